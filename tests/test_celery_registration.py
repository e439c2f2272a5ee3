"""
A worker knows every task the plugin queues once Celery's autodiscovery imports ``tasks``.

The worker must not depend on something else (the URLconf, the system checks) happening
to import the scheduling module first.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import sys, django; django.setup();"
    "import openedx_bulkmail_plugin.tasks;"
    "from celery import current_app;"
    "print('\\n'.join(sorted(name for name in current_app.tasks if name.startswith('openedx_bulkmail_plugin'))))"
)


def test_importing_tasks_registers_sending_and_scheduling_tasks():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"DJANGO_SETTINGS_MODULE": "devsite.settings", "PATH": "/usr/bin:/bin"})
    registered = set(result.stdout.split())
    assert {"openedx_bulkmail_plugin.tasks.start_send", "openedx_bulkmail_plugin.tasks.send_batch"} <= registered
    assert any(name.startswith("openedx_bulkmail_plugin.scheduling.") for name in registered), registered
