"""
Recovery: nothing owed is left behind when a worker or a broker fails.

A worker killed mid-batch leaves its batch "running" on a lease that nobody renews, and the
messages it had prefetched are gone from the broker's point of view until its visibility
timeout (an hour on Redis) passes. Rather than depend on that, or on the LMS's Celery
settings, :func:`recover` (run by every worker's sweeper, see :mod:`openedx_bulkmail_plugin.sweeper`):

- queues again the batches whose lease expired, and the other pending batches of that
  send (the dead worker may have held their messages);
- queues again the pending batches of a send that has nothing running and made no claim
  for a whole lease (a lost message, a broker restarted without its queue);
- queues again the start of a send stuck before its ledger was written, once a lease;
- settles a send whose batches are all done but that never settled (its last worker died
  between finishing its batch and settling).

Every re-queue is claimed by a conditional UPDATE first, so several workers sweeping at
once queue each batch (and each stuck start) once, and a batch queued twice is still sent
once (see :mod:`.leases`).
"""
import logging
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..conf import bulkmail_settings
from ..models import Batch, SendTask
from . import progress, tasks

log = logging.getLogger(__name__)

MOST_PER_SWEEP = 1000


def recover(now=None):
    """One pass of recovery; returns how many batches and sends it queued again or settled, by reason."""
    now = now or timezone.now()
    lease = timedelta(seconds=bulkmail_settings.BATCH_LEASE_SECONDS)
    return {
        "expired": requeue_expired(now, tasks.enqueue_batch),
        "lost": requeue_lost(now, now - lease, tasks.enqueue_batch),
        "restarted": restart_stuck(now, now - lease, now - 5 * lease, tasks.enqueue_start),
        "settled": settle_finished(),
    }


def requeue_expired(now, enqueue):
    """Batches left running by a dead worker, and their send's pending batches, queued again."""
    expired = Batch.objects.filter(state=Batch.RUNNING, lease_expires__lt=now).values_list(
        "id", "task_id", "lease_expires")[:MOST_PER_SWEEP]
    queued = 0
    for batch_id, task_id, lease_expires in expired:
        released = Batch.objects.filter(id=batch_id, state=Batch.RUNNING, lease_expires=lease_expires).update(
            state=Batch.PENDING, owner="", lease_expires=None, not_before=now)
        if released:
            enqueue(batch_id)
            queued += 1 + _requeue_pending(Batch.objects.filter(task_id=task_id), now, enqueue)
    return queued


def requeue_lost(now, idle_since, enqueue):
    """Pending batches of sends with nothing running, eligible since before ``idle_since``, queued again."""
    working = Batch.objects.filter(state=Batch.RUNNING, lease_expires__gte=now).values("task_id")
    stale = Batch.objects.filter(task__state=SendTask.PROGRESS).exclude(task_id__in=working).filter(
        Q(not_before__lt=idle_since) | Q(not_before__isnull=True, task__started_at__lt=idle_since))
    return _requeue_pending(stale, now, enqueue)


def _requeue_pending(batches, now, enqueue):
    """Queue again the eligible pending ``batches``, stamping each so the next sweep waits a lease."""
    eligible = batches.filter(state=Batch.PENDING).filter(Q(not_before__isnull=True) | Q(not_before__lt=now))
    queued = 0
    for batch_id, not_before in eligible.values_list("id", "not_before")[:MOST_PER_SWEEP]:
        if Batch.objects.filter(id=batch_id, state=Batch.PENDING, not_before=not_before).update(not_before=now):
            enqueue(batch_id)
            queued += 1
    return queued


def restart_stuck(now, queued_before, started_before, enqueue_start):
    """
    Sends whose start message never ran (or died before the ledger was committed), started again.

    Each is claimed first by stamping ``restarted_at``, and not again until a lease has
    passed since, so the broker gets one start message per stuck send, not one per pass
    of every worker's sweep.
    """
    not_lately = Q(restarted_at__isnull=True) | Q(restarted_at__lt=queued_before)
    stuck = SendTask.objects.filter(
        (Q(state__in=(SendTask.QUEUING, SendTask.PENDING), created__lt=queued_before)
         & (Q(due__isnull=True) | Q(due__lt=queued_before))
         | Q(state=SendTask.STARTED, started_at__lt=started_before))
        & not_lately
    )
    restarted = 0
    for task_id in stuck.values_list("id", flat=True)[:MOST_PER_SWEEP]:
        if stuck.filter(id=task_id).update(restarted_at=now):
            enqueue_start(task_id)
            restarted += 1
    return restarted


def settle_finished():
    """Sends still in progress whose every batch is done: the worker that should have settled them died."""
    unfinished = Batch.objects.filter(task_id=OuterRef("id")).exclude(state=Batch.DONE)
    any_batch = Batch.objects.filter(task_id=OuterRef("id"))
    finished = SendTask.objects.filter(state=SendTask.PROGRESS).filter(Exists(any_batch), ~Exists(unfinished))
    return sum(progress.settle(task_id) for task_id in finished.values_list("id", flat=True)[:MOST_PER_SWEEP])

