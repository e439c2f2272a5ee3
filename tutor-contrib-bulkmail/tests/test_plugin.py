"""
The plugin through Tutor's real command line: enable it, save the config, read what Tutor
rendered, and check that disabling it takes everything out again.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutorbulkmail.plugin import DEFAULT_QUEUE

REPOSITORY = Path(__file__).resolve().parents[2]
PIP_INSTALL_LINE = "$PIP_COMMAND install 'openedx-bulkmail-plugin==0.1.0'"
MIGRATE = "./manage.py lms migrate openedx_bulkmail_plugin"
LMS_SETTINGS = "apps/openedx/settings/lms/production.py"


def queues_of(command):
    """The queue lists of every ``--queues=`` argument of a Celery command."""
    return [arg.split("=", 1)[1].split(",") for arg in command if arg.startswith("--queues=")]


def bulkmail_settings_in(settings_text):
    """Run the plugin's lines of a rendered settings module and return what they set."""
    lines = [line for line in settings_text.splitlines() if line.startswith("BULKMAIL_")]
    namespace = {}
    exec("\n".join(lines), namespace)  # pylint: disable=exec-used
    namespace.pop("__builtins__")
    return namespace


def init_scripts(project, service):
    """The scripts ``tutor local do`` asked docker compose to run in ``service``-job."""
    scripts = []
    for call in project.docker_calls():
        if "run" in call and f"{service}-job" in call:
            scripts.append(call[-1])
    return scripts


def test_tutor_lists_the_plugin_as_enabled(enabled):
    listing = enabled.tutor("plugins", "list").stdout
    assert re.search(r"^bulkmail\s.*enabled", listing, re.M)


def test_dockerfile_installs_the_plugin_exactly_once(enabled):
    assert enabled.read("build/openedx/Dockerfile").count(PIP_INSTALL_LINE) == 1


def test_dockerfile_installs_the_configured_pip_spec(enabled):
    spec = "git+https://github.com/example/openedx-bulkmail-plugin@main"
    enabled.tutor("config", "save", "--set", f"BULKMAIL_PIP_SPEC={spec}")
    dockerfile = enabled.read("build/openedx/Dockerfile")
    assert f"install '{spec}'" in dockerfile
    assert PIP_INSTALL_LINE not in dockerfile


def test_default_pip_spec_is_the_release_in_this_repository(enabled):
    source = (REPOSITORY / "openedx_bulkmail_plugin" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'^__version__ = "([^"]+)"', source, re.M).group(1)
    spec = enabled.tutor("config", "printvalue", "BULKMAIL_PIP_SPEC").stdout.strip()
    assert spec == f"openedx-bulkmail-plugin=={version}"


def test_mounted_checkout_is_installed_editable_in_the_image(enabled, tmp_path):
    checkout = tmp_path / "src" / "openedx-bulkmail-plugin"
    checkout.mkdir(parents=True)
    enabled.tutor("mounts", "add", str(checkout))
    dockerfile = enabled.read("build/openedx/Dockerfile")
    assert "FROM scratch AS mnt-openedx-bulkmail-plugin" in dockerfile
    assert 'install -e "/mnt/openedx-bulkmail-plugin"' in dockerfile


def test_mounted_checkout_is_bind_mounted_in_the_lms_worker(enabled, tmp_path):
    checkout = tmp_path / "src" / "openedx-bulkmail-plugin"
    checkout.mkdir(parents=True)
    enabled.tutor("mounts", "add", str(checkout))
    volumes = enabled.compose_services()["lms-worker"]["volumes"]
    assert f"{checkout}:/mnt/openedx-bulkmail-plugin:z" in volumes


@pytest.mark.parametrize("settings_file", ["production.py", "development.py"])
def test_lms_settings_name_the_bulkmail_queue(enabled, settings_file):
    settings = bulkmail_settings_in(enabled.read(f"apps/openedx/settings/lms/{settings_file}"))
    assert settings["BULKMAIL_CELERY_QUEUE"] == DEFAULT_QUEUE


def test_lms_settings_leave_the_rate_unlimited_by_default(enabled):
    settings = bulkmail_settings_in(enabled.read(LMS_SETTINGS))
    assert settings["BULKMAIL_MAX_MESSAGES_PER_SECOND"] is None


def test_configured_rate_limit_reaches_the_lms_as_a_number(enabled):
    enabled.tutor("config", "save", "--set", "BULKMAIL_MAX_MESSAGES_PER_SECOND=14")
    settings = bulkmail_settings_in(enabled.read(LMS_SETTINGS))
    assert settings["BULKMAIL_MAX_MESSAGES_PER_SECOND"] == 14


def test_extra_settings_reach_the_lms_with_their_prefix(enabled):
    enabled.tutor(
        "config", "save", "--set",
        'BULKMAIL_EXTRA_SETTINGS={"FROM_EMAIL": "course-mail@example.com", "BULKMAIL_BATCH_SIZE": 200}',
    )
    settings = bulkmail_settings_in(enabled.read(LMS_SETTINGS))
    assert settings["BULKMAIL_FROM_EMAIL"] == "course-mail@example.com"
    assert settings["BULKMAIL_BATCH_SIZE"] == 200


def test_extra_setting_that_is_no_setting_name_stops_config_save(enabled):
    result = enabled.tutor(
        "config", "save", "--set", 'BULKMAIL_EXTRA_SETTINGS={"from email": "x@example.com"}',
        check=False,
    )
    assert result.returncode != 0
    assert "'from email' is not a setting name" in result.stderr + result.stdout


def anymail_setting_in(settings_text, before=None):
    """Run the rendered ANYMAIL line over an LMS that already set ``before``; the resulting ANYMAIL."""
    lines = [line for line in settings_text.splitlines() if line.startswith("ANYMAIL = ")]
    namespace = {} if before is None else {"ANYMAIL": dict(before)}
    exec("\n".join(lines), namespace)  # pylint: disable=exec-used
    return namespace.get("ANYMAIL")


def test_no_anymail_setting_by_default(enabled):
    assert anymail_setting_in(enabled.read(LMS_SETTINGS)) is None


def test_webhook_secret_joins_the_anymail_setting_the_lms_already_has(enabled):
    enabled.tutor("config", "save", "--set", 'BULKMAIL_ANYMAIL={"WEBHOOK_SECRET": "bulkmail:s3cret"}')
    text = enabled.read(LMS_SETTINGS)

    assert anymail_setting_in(text) == {"WEBHOOK_SECRET": "bulkmail:s3cret"}
    assert anymail_setting_in(text, before={"SENDGRID_API_KEY": "key"}) == {
        "SENDGRID_API_KEY": "key", "WEBHOOK_SECRET": "bulkmail:s3cret"}


def test_lms_worker_consumes_tutor_queues_and_the_bulkmail_queue(enabled, baseline):
    tutor_queues = queues_of(baseline.lms_worker_command())
    assert queues_of(enabled.lms_worker_command()) == [tutor_queues[0] + [DEFAULT_QUEUE]]


def test_kubernetes_lms_worker_consumes_tutor_queues_and_the_bulkmail_queue(enabled, baseline):
    tutor_queues = queues_of(baseline.k8s_container_args("lms-worker"))
    assert queues_of(enabled.k8s_container_args("lms-worker")) == [tutor_queues[0] + [DEFAULT_QUEUE]]


def test_lms_worker_keeps_the_rest_of_tutor_command(enabled, baseline):
    def without_queues(command):
        return [arg for arg in command if not arg.startswith("--queues=")]

    assert without_queues(enabled.lms_worker_command()) == without_queues(baseline.lms_worker_command())


def test_cms_worker_is_left_alone(enabled, baseline):
    assert enabled.compose_services()["cms-worker"] == baseline.compose_services()["cms-worker"]


def test_configured_queue_is_consumed_and_named_in_the_settings(enabled):
    enabled.tutor("config", "save", "--set", "BULKMAIL_CELERY_QUEUE=mail.bulk")
    assert "mail.bulk" in queues_of(enabled.lms_worker_command())[0]
    assert bulkmail_settings_in(enabled.read(LMS_SETTINGS))["BULKMAIL_CELERY_QUEUE"] == "mail.bulk"


def test_queue_name_with_a_comma_stops_config_save(enabled):
    result = enabled.tutor("config", "save", "--set", "BULKMAIL_CELERY_QUEUE=a,b", check=False)
    assert result.returncode != 0
    assert "BULKMAIL_CELERY_QUEUE must be a queue name" in result.stderr + result.stdout


def test_init_runs_the_plugin_migrations_in_the_lms(enabled):
    enabled.tutor("local", "do", "init", "--limit=bulkmail")
    assert [MIGRATE in script for script in init_scripts(enabled, "lms")] == [True]


def test_full_init_includes_the_plugin_migrations(enabled):
    enabled.tutor("local", "do", "init")
    assert any(MIGRATE in script for script in init_scripts(enabled, "lms"))


def test_full_init_has_no_plugin_migrations_without_the_plugin(project):
    project.tutor("local", "do", "init")
    assert not any(MIGRATE in script for script in init_scripts(project, "lms"))


def run_init_script_in_container_stand_in(project, workdir):
    """
    Run the plugin's init script as the lms-job container would, from ``workdir``.

    ``python`` is this virtualenv's (it has no openedx_bulkmail_plugin unless ``workdir``
    holds one) and ``./manage.py``, if ``workdir`` has one, stands in for the LMS's.
    """
    project.tutor("local", "do", "init", "--limit=bulkmail")
    [script] = init_scripts(project, "lms")
    bin_dir = workdir / "image-bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    return subprocess.run(
        ["sh", "-e", "-c", script], cwd=workdir, capture_output=True, text=True, check=False,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONNOUSERSITE": "1"},
    )


def test_init_task_names_the_fix_when_the_image_lacks_the_plugin(enabled, tmp_path):
    result = run_init_script_in_container_stand_in(enabled, tmp_path)
    assert result.returncode == 1
    assert "run 'tutor images build openedx' first" in result.stderr


def test_init_task_migrates_when_the_image_has_the_plugin(enabled, tmp_path):
    (tmp_path / "openedx_bulkmail_plugin").mkdir()
    (tmp_path / "openedx_bulkmail_plugin" / "__init__.py").write_text("", encoding="utf-8")
    manage = tmp_path / "manage.py"
    manage.write_text('#!/bin/sh\necho "manage.py $*"\n', encoding="utf-8")
    manage.chmod(0o755)
    result = run_init_script_in_container_stand_in(enabled, tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["manage.py lms migrate openedx_bulkmail_plugin"]


def test_no_dedicated_worker_by_default(enabled):
    assert "bulkmail-worker" not in enabled.compose_services()
    assert "bulkmail-worker" not in enabled.k8s_deployments()


def test_dedicated_worker_consumes_only_the_bulkmail_queue(enabled):
    enabled.tutor("config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true")
    command = enabled.compose_services()["bulkmail-worker"]["command"]
    assert queues_of(command) == [[DEFAULT_QUEUE]]


def test_dedicated_worker_runs_the_lms_celery_app(enabled):
    enabled.tutor("config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true")
    worker = enabled.compose_services()["bulkmail-worker"]
    assert worker["command"][:3] == ["celery", "--app=lms.celery", "worker"]
    assert worker["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"


def test_dedicated_worker_leaves_the_lms_worker_command_as_tutor_has_it(enabled, baseline):
    enabled.tutor("config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true")
    assert enabled.lms_worker_command() == baseline.lms_worker_command()


def test_dedicated_worker_runs_on_kubernetes(enabled):
    enabled.tutor("config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true")
    assert queues_of(enabled.k8s_container_args("bulkmail-worker")) == [[DEFAULT_QUEUE]]


def test_dedicated_worker_uses_the_configured_concurrency(enabled):
    enabled.tutor(
        "config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true",
        "--set", "BULKMAIL_WORKER_CONCURRENCY=4",
    )
    assert "--concurrency=4" in enabled.compose_services()["bulkmail-worker"]["command"]


def test_dedicated_worker_sees_a_mounted_checkout(enabled, tmp_path):
    checkout = tmp_path / "src" / "openedx-bulkmail-plugin"
    checkout.mkdir(parents=True)
    enabled.tutor("mounts", "add", str(checkout))
    enabled.tutor("config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true")
    volumes = enabled.compose_services()["bulkmail-worker"]["volumes"]
    assert f"{checkout}:/mnt/openedx-bulkmail-plugin:z" in volumes


def test_disabling_leaves_no_trace_in_the_environment(enabled):
    enabled.tutor(
        "config", "save", "--set", "BULKMAIL_DEDICATED_WORKER=true",
        "--set", 'BULKMAIL_EXTRA_SETTINGS={"FROM_EMAIL": "course-mail@example.com"}',
        "--set", 'BULKMAIL_ANYMAIL={"WEBHOOK_SECRET": "hooks:s3cret"}',
    )
    enabled.tutor("plugins", "disable", "bulkmail")
    enabled.tutor("config", "save")
    mentions = [
        str(path) for path in enabled.rendered_files()
        if re.search("bulkmail|hooks:s3cret", path.read_text(encoding="utf-8", errors="replace"), re.IGNORECASE)
    ]
    assert mentions == []


def test_disabling_gives_back_tutor_lms_worker_command(enabled, baseline):
    enabled.tutor("plugins", "disable", "bulkmail")
    enabled.tutor("config", "save")
    assert enabled.lms_worker_command() == baseline.lms_worker_command()
    assert enabled.k8s_container_args("lms-worker") == baseline.k8s_container_args("lms-worker")


def test_disabling_removes_the_init_task(enabled):
    enabled.tutor("plugins", "disable", "bulkmail")
    enabled.tutor("local", "do", "init")
    assert not any(MIGRATE in script for script in init_scripts(enabled, "lms"))
