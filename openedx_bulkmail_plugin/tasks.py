"""
The plugin's Celery tasks, where Celery's autodiscovery looks for them (``<app>.tasks``).

The sending engine's tasks live in :mod:`.sending.tasks` and the schedule's watchers in
:mod:`.scheduling`; importing both here registers every task with every worker.
"""
from .scheduling import dispatch_due_emails, watch_schedule  # noqa: F401
from .sending.tasks import send_batch, start_send  # noqa: F401
