"""
A real Tutor project in a temporary directory, driven through Tutor's own command line.

Each test gets its own copy of one freshly generated project, so a test can enable,
configure and disable the plugin without touching another test's files. Docker is never
needed: ``tutor config save`` only renders files, and ``tutor local do`` runs a stand-in
``docker`` that writes down the commands it was given.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TUTOR = str(Path(sys.executable).with_name("tutor"))

FAKE_DOCKER = """\
#!{python}
import json, os, sys
with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "ls" in sys.argv:
    print("[]")
"""


class TutorProject:
    """One Tutor project root, and the files Tutor rendered into its ``env/``."""

    def __init__(self, root, plugins_root, bin_dir):
        self.root = Path(root)
        self.plugins_root = Path(plugins_root)
        self.bin_dir = Path(bin_dir)
        self.docker_log = self.root / "docker-calls.jsonl"

    def tutor(self, *args, check=True):
        """Run the ``tutor`` command line on this project and return its result."""
        env = dict(os.environ)
        env.update(
            TUTOR_ROOT=str(self.root),
            TUTOR_PLUGINS_ROOT=str(self.plugins_root),
            FAKE_DOCKER_LOG=str(self.docker_log),
            PATH=os.pathsep.join([str(self.bin_dir), env.get("PATH", "")]),
        )
        result = subprocess.run(
            [TUTOR, *args], env=env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"tutor {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def read(self, relative_path):
        return (self.root / "env" / relative_path).read_text(encoding="utf-8")

    def compose_services(self):
        return yaml.safe_load(self.read("local/docker-compose.prod.yml"))["services"]

    def k8s_deployments(self):
        documents = yaml.safe_load_all(self.read("k8s/deployments.yml"))
        return {
            document["metadata"]["name"]: document
            for document in documents
            if document and document.get("kind") == "Deployment"
        }

    def lms_worker_command(self):
        return self.compose_services()["lms-worker"]["command"]

    def k8s_container_args(self, deployment):
        return self.k8s_deployments()[deployment]["spec"]["template"]["spec"]["containers"][0]["args"]

    def docker_calls(self):
        if not self.docker_log.exists():
            return []
        with open(self.docker_log, encoding="utf-8") as log:
            return [json.loads(line) for line in log]

    def rendered_files(self):
        return sorted(path for path in (self.root / "env").rglob("*") if path.is_file())


@pytest.fixture(scope="session")
def fresh_project_root(tmp_path_factory):
    """A project generated once by ``tutor config save``, before any plugin is enabled."""
    project = _project(tmp_path_factory.mktemp("fresh"))
    project.tutor("config", "save")
    return project.root


@pytest.fixture(scope="session")
def baseline(fresh_project_root):
    """The untouched project: what Tutor renders without this plugin."""
    return _project(fresh_project_root.parent)


@pytest.fixture(scope="session")
def enabled_project_root(fresh_project_root, tmp_path_factory):
    """The fresh project after ``tutor plugins enable bulkmail``, defaults unchanged."""
    project = _copy_of(fresh_project_root, tmp_path_factory.mktemp("enabled"))
    project.tutor("plugins", "enable", "bulkmail")
    return project.root


@pytest.fixture
def project(fresh_project_root, tmp_path):
    """A private copy of the fresh project, for one test to change."""
    return _copy_of(fresh_project_root, tmp_path)


@pytest.fixture
def enabled(enabled_project_root, tmp_path):
    """A private copy of the project with the plugin enabled, for one test to change."""
    return _copy_of(enabled_project_root, tmp_path)


def _copy_of(root, base):
    copy = Path(base) / "tutor-root"
    shutil.copytree(root, copy)
    return _project(base, root=copy)


def _project(base, root=None):
    base = Path(base)
    plugins_root = base / "plugins"
    plugins_root.mkdir(exist_ok=True)
    bin_dir = base / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable), encoding="utf-8")
    docker.chmod(0o755)
    return TutorProject(root or base / "tutor-root", plugins_root, bin_dir)
