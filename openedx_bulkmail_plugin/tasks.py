"""
The plugin's Celery tasks, where Celery's autodiscovery looks for them (``<app>.tasks``).

The sending engine's tasks live in :mod:`.sending.tasks`, the schedule's watchers in
:mod:`.scheduling` and the background counts of large courses in
:mod:`.recipients.counting`; importing them here registers every task with every worker.
"""
from .recipients.counting import count_recipients  # noqa: F401
from .scheduling import dispatch_due_emails, watch_schedule  # noqa: F401
from .sending.tasks import send_batch, start_send  # noqa: F401
