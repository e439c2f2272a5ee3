"""
Start every scheduled bulk email whose time has come.

Nothing needs to run this: each scheduled email watches its own due time, and every Celery
worker sweeps for due emails every ``BULKMAIL_SWEEP_INTERVAL_SECONDS``. Operators who
turned the sweep off, or who want a second safety net, may run it from cron::

    * * * * *  /edx/bin/python /edx/app/edxapp/edx-platform/manage.py lms bulkmail_dispatch_due

or, on a site that runs celery beat, add a beat entry instead::

    CELERY_BEAT_SCHEDULE["bulkmail-dispatch-due"] = {
        "task": "openedx_bulkmail_plugin.scheduling.dispatch_due_emails",
        "schedule": 30.0,
        "options": {"queue": BULKMAIL_CELERY_QUEUE},
    }

Running it any number of times, on any number of machines at once, starts each email once.
"""
from django.core.management.base import BaseCommand

from openedx_bulkmail_plugin.scheduling import dispatch_due


class Command(BaseCommand):
    help = "Start every scheduled bulk email whose due time has passed; print how many this run started."

    def handle(self, *args, **options):
        started = dispatch_due()
        self.stdout.write(f"Started {started} scheduled bulk email(s).")
