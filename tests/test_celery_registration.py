"""
A worker knows every task the plugin queues, from Celery's own autodiscovery alone.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; django.setup();"
    "from devsite.celery import app; app.loader.import_default_modules();"
    "print('\\n'.join(sorted(name for name in app.tasks if name.startswith('openedx_bulkmail_plugin'))))"
)


def test_autodiscovery_registers_sending_and_scheduling_tasks():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"DJANGO_SETTINGS_MODULE": "devsite.settings", "PATH": "/usr/bin:/bin"})
    registered = set(result.stdout.split())
    assert {"openedx_bulkmail_plugin.tasks.start_send", "openedx_bulkmail_plugin.tasks.send_batch"} <= registered
    assert any(name.startswith("openedx_bulkmail_plugin.scheduling.") for name in registered), registered
