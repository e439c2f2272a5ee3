"""
The sweep every Celery worker runs: recovery of the sending engine, and due schedules.

Each worker that loads the plugin starts one daemon thread on ``worker_ready`` that every
BULKMAIL_SWEEP_INTERVAL_SECONDS recovers what failed sends left behind
(:func:`.sending.recovery.recover`) and starts the scheduled sends that are due
(:func:`.scheduling.dispatch_due`). No cron and no celery beat are needed; a worker
killed with kill -9 is replaced by one that runs its own thread.
"""
import logging
import threading

from celery.signals import worker_ready
from django.db import close_old_connections, connections
from django.utils import timezone

from . import scheduling
from .conf import bulkmail_settings
from .sending import recovery

log = logging.getLogger(__name__)


def sweep(now=None):
    """One pass of the sweep; returns how many batches and sends it acted on, by reason."""
    now = now or timezone.now()
    found = {**recovery.recover(now), "scheduled": scheduling.dispatch_due(now=now)}
    if any(found.values()):
        log.info("Bulk email sweep: %s", found)
    return found


@worker_ready.connect(dispatch_uid="openedx_bulkmail_plugin.sweeper.start_sweeper")
def start_sweeper(sender=None, **kwargs):  # pylint: disable=unused-argument
    """Start this worker's sweep thread (a daemon: it ends with the worker)."""
    interval = bulkmail_settings.SWEEP_INTERVAL_SECONDS
    if not interval:
        return None
    app = getattr(sender, "app", None)
    thread = threading.Thread(target=_sweep_forever, args=(app, interval), name="bulkmail-sweeper", daemon=True)
    thread.start()
    log.info("Bulk email sweep runs every %ss in this worker.", interval)
    return thread


def _sweep_forever(app, interval, stop=None):
    """Sweep every ``interval`` seconds until ``stop`` is set; one failed pass never ends the thread."""
    if app is not None:
        app.set_current()
    stop = stop or threading.Event()
    while not stop.wait(interval):
        close_old_connections()
        try:
            sweep()
        except Exception:  # pylint: disable=broad-except
            log.exception("Bulk email sweep failed; trying again in %ss.", interval)
        finally:
            connections.close_all()
