"""
The states of a send and its counts.

Every move between states is one conditional UPDATE ("from these states to that one"), so
two workers, a re-delivered message or a cancel racing a batch can never both win: the
database decides, and the loser learns it from the number of rows it changed.

While a send runs its counts come live from the ledger, where rows are marked one by one;
once it is finished they are frozen on the task, so history needs no ledger scan.
"""
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Batch, Delivery, SendTask

# A row the provider later reported bounced or complained was still accepted: it counts as sent.
STATUS_COUNTS = {
    "sent": Delivery.ACCEPTED_STATUSES,
    "failed": (Delivery.FAILED,),
    "skipped": (Delivery.SKIPPED,),
    "suppressed": (Delivery.SUPPRESSED,),
    "cancelled": (Delivery.CANCELLED,),
}
STARTABLE = (SendTask.QUEUING, SendTask.PENDING)
SENDING = (SendTask.STARTED, SendTask.PROGRESS)


def move(task_id, from_states, to_state, **fields):
    """Move the task to ``to_state`` if it is in one of ``from_states``; whether this call did."""
    return SendTask.objects.filter(id=task_id, state__in=from_states).update(state=to_state, **fields) == 1


def begin(task_id):
    """QUEUING/PENDING -> STARTED: only one start of a send writes its ledger."""
    return move(task_id, STARTABLE, SendTask.STARTED, started_at=timezone.now())


def settle(task_id):
    """
    PROGRESS -> SUCCESS with the counts frozen, once every batch is done.

    Run by each batch as it finishes; the conditional move lets exactly one of them (the
    last) settle the send. A STARTED send is never settled: batches are sent while its
    ledger is still being written, and all of them done says nothing of those to come.
    """
    return move(task_id, (SendTask.PROGRESS,), SendTask.SUCCESS, finished_at=timezone.now(), **_frozen_counts())


def fail(task_id, reason):
    """A running send -> FAILURE, keeping ``reason`` for the instructor; freeze its counts after."""
    return move(task_id, SendTask.RUNNING_STATES, SendTask.FAILURE, finished_at=timezone.now(), failure_reason=reason)


def revoke(task_id):
    """A running send -> REVOKED (cancelled by its instructor)."""
    return move(task_id, SendTask.RUNNING_STATES, SendTask.REVOKED, finished_at=timezone.now())


def freeze_counts(task_id):
    """
    Copy the ledger's counts onto the finished task in one UPDATE.

    One statement reads and writes, so a batch re-freezing after its in-flight message
    cannot overwrite a cancel's freeze with older figures, or the other way round.
    """
    SendTask.objects.filter(id=task_id).update(**_frozen_counts())


def _frozen_counts():
    return {field: _ledger_count(statuses) for field, statuses in {"total": None, **STATUS_COUNTS}.items()}


def _ledger_count(statuses):
    rows = Delivery.objects.filter(task_id=OuterRef("id"))
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    counted = rows.order_by().values("task_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def counts_are_final(task, now=None):
    """
    Whether the counts of ``task`` will not move again.

    A stopped or failed send may still have a message in flight; the batch holding it
    marks it and freezes the counts once more before it says done. A batch whose worker
    died (its lease ran out) will never mark anything, so it does not hold the counts open.
    """
    return task.id in final_counts([task], now)


def final_counts(tasks, now=None):
    """The ids of those ``tasks`` whose counts are final (see above): one query for a page of sends, not one each."""
    finished = [task for task in tasks if task.state in SendTask.FINISHED_STATES]
    stopped = [task.id for task in finished if task.state != SendTask.SUCCESS]
    held_open = set(Batch.objects.filter(
        task_id__in=stopped, state=Batch.RUNNING, lease_expires__gt=now or timezone.now(),
    ).values_list("task_id", flat=True)) if stopped else set()
    return {task.id for task in finished if task.id not in held_open}


def counts(task):
    """
    ``{"total", "sent", "failed", "skipped", "suppressed", "cancelled"}`` of a send.

    ``skipped`` counts opt-outs; ``suppressed`` the addresses that bounced or complained
    before; ``cancelled`` the recipients a stopped send never reached.

    Live from the ledger (one GROUP BY on the task's status index) while it runs, so
    progress moves with every message; the frozen figures once it is finished.
    """
    if task.state in SendTask.FINISHED_STATES:
        return {name: getattr(task, name) for name in ("total", *STATUS_COUNTS)}
    by_status = dict(
        Delivery.objects.filter(task_id=task.id).order_by().values_list("status").annotate(n=Count("id"))
    )
    live = {name: sum(by_status.get(status, 0) for status in statuses) for name, statuses in STATUS_COUNTS.items()}
    return {"total": sum(by_status.values()), **live}
