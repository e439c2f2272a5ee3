"""
Tutor plugin ``bulkmail``: installs openedx-bulkmail-plugin in the openedx image and wires
it into the LMS, its Celery worker and ``tutor local do init``.

Everything the plugin adds to the rendered environment is a patch or a hook, so
``tutor plugins disable bulkmail`` followed by ``tutor config save`` takes all of it out.
"""
import os

from tutor import hooks

from . import celery_command, lms_settings
from .__about__ import OPENEDX_PLUGIN_RELEASE

PATCHES_DIR = os.path.join(os.path.dirname(__file__), "patches")
DEFAULT_QUEUE = "edx.lms.core.bulkmail"

# The name of the repository operators mount with ``tutor mounts add``.
REPOSITORY_NAME = "openedx-bulkmail-plugin"

CONFIG_DEFAULTS = {
    "BULKMAIL_PIP_SPEC": f"openedx-bulkmail-plugin=={OPENEDX_PLUGIN_RELEASE}",
    "BULKMAIL_CELERY_QUEUE": DEFAULT_QUEUE,
    "BULKMAIL_DEDICATED_WORKER": False,
    "BULKMAIL_WORKER_CONCURRENCY": None,
    "BULKMAIL_MAX_MESSAGES_PER_SECOND": None,
    "BULKMAIL_EXTRA_SETTINGS": {},
    "BULKMAIL_ANYMAIL": {},
}

MIGRATE_TASK = """\
if ! python -c "import openedx_bulkmail_plugin" 2>/dev/null; then
    echo "openedx-bulkmail-plugin is not installed in this image: run 'tutor images build openedx' first." >&2
    exit 1
fi
./manage.py lms migrate openedx_bulkmail_plugin
"""

# The config values the worker command depends on, as of the last ``tutor`` config load.
# The LMS_WORKER_COMMAND filter receives no config, so it reads them from here.
_worker_config = {"queue": DEFAULT_QUEUE, "dedicated": False}


hooks.Filters.CONFIG_DEFAULTS.add_items(list(CONFIG_DEFAULTS.items()))


@hooks.Actions.CONFIG_LOADED.add()
def _remember_worker_config(config):
    """Keep what the worker command needs, and stop early on a queue name Celery would split."""
    queue = config["BULKMAIL_CELERY_QUEUE"]
    celery_command.check_queue_name(queue)
    _worker_config["queue"] = queue
    _worker_config["dedicated"] = bool(config["BULKMAIL_DEDICATED_WORKER"])


@hooks.Filters.LMS_WORKER_COMMAND.add(priority=hooks.priorities.LOW)
def _lms_worker_consumes_bulkmail_queue(command):
    """Let the LMS worker send bulk mail too, unless a dedicated worker does it."""
    if _worker_config["dedicated"]:
        return command
    return celery_command.with_queue_consumed(command, _worker_config["queue"])


def iter_bulkmail_worker_parameters(queue, concurrency=None):
    """The dedicated worker's command, for the compose and Kubernetes patches."""
    lms_worker_command = list(hooks.Filters.LMS_WORKER_COMMAND.iterate())
    yield from celery_command.dedicated_worker_command(lms_worker_command, queue, concurrency)


hooks.Filters.ENV_TEMPLATE_VARIABLES.add_item(
    ("iter_bulkmail_worker_parameters", iter_bulkmail_worker_parameters)
)
hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [
        ("bulkmail_python_literal", lms_settings.python_literal),
        ("bulkmail_setting_name", lms_settings.setting_name),
    ]
)

hooks.Filters.CLI_DO_INIT_TASKS.add_item(("lms", MIGRATE_TASK))

# A checkout mounted with ``tutor mounts add .../openedx-bulkmail-plugin`` is copied into
# the image and installed in editable mode at build time, and bind-mounted at run time.
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", REPOSITORY_NAME))


def _read_patches():
    for name in sorted(os.listdir(PATCHES_DIR)):
        with open(os.path.join(PATCHES_DIR, name), encoding="utf-8") as patch_file:
            yield name, patch_file.read()


hooks.Filters.ENV_PATCHES.add_items(list(_read_patches()))
