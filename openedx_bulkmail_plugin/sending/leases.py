"""
Who sends a batch: claims, leases and retry backoff, all decided by conditional UPDATEs.

A worker owns a batch for a lease it keeps renewing while it sends. A second delivery of
the same Celery message finds the batch owned (or done) and does nothing; a batch whose
worker died keeps an expired lease and is claimed again by the next worker that receives
it, without waiting for the broker to notice the death.
"""
import os
import random
import socket
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ..conf import bulkmail_settings
from ..models import Batch

EARLY_CLAIM_TOLERANCE = timedelta(seconds=1)


def new_owner():
    """A name for this claimant that no other worker, process or attempt shares."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(batch_id, owner, now=None):
    """
    Take the batch if nobody holds it; return it, or None when it is not ours to send.

    Claimable: pending and past its retry time, or running on a lease that expired.
    """
    now = now or timezone.now()
    claimable = (
        Q(state=Batch.PENDING) & (Q(not_before__isnull=True) | Q(not_before__lte=now + EARLY_CLAIM_TOLERANCE))
    ) | Q(state=Batch.RUNNING, lease_expires__lt=now)
    taken = Batch.objects.filter(claimable, id=batch_id).update(
        state=Batch.RUNNING, owner=owner, lease_expires=_lease_end(now))
    return Batch.objects.select_related("task__email").get(id=batch_id) if taken else None


def renew(batch, now=None):
    """Extend our lease; False when the batch is no longer ours (it expired and was taken over)."""
    return Batch.objects.filter(id=batch.id, owner=batch.owner, state=Batch.RUNNING).update(
        lease_expires=_lease_end(now or timezone.now())) == 1


def finish(batch):
    """Mark our batch done; False when another worker took it over meanwhile."""
    return Batch.objects.filter(id=batch.id, owner=batch.owner).update(
        state=Batch.DONE, lease_expires=None) == 1


def release_for_retry(batch, attempts, now=None, delay=None):
    """
    Hand the batch back after a temporary failure; return the delay before its next try.

    The delay doubles with every consecutive failed attempt, up to a cap, with jitter so
    that batches failing together do not all come back at the same second.
    """
    delay = backoff_seconds(attempts) if delay is None else delay
    not_before = (now or timezone.now()) + timedelta(seconds=delay)
    Batch.objects.filter(id=batch.id, owner=batch.owner).update(
        state=Batch.PENDING, owner="", lease_expires=None, not_before=not_before, attempts=attempts)
    return delay


def backoff_seconds(attempts):
    """Capped exponential backoff with "equal jitter": between half and all of the capped delay."""
    capped = min(
        float(bulkmail_settings.RETRY_BACKOFF_MAX_SECONDS),
        float(bulkmail_settings.RETRY_BACKOFF_SECONDS) * 2 ** max(attempts - 1, 0),
    )
    return capped / 2 + random.uniform(0, capped / 2)


def unfinished(task_id):
    """Whether the send still has a batch that is not done."""
    return Batch.objects.filter(task_id=task_id).exclude(state=Batch.DONE).exists()


def close_pending(task_id):
    """
    Mark done every batch of a send that nobody is sending (it was cancelled or failed).

    Running batches stay with their workers, which notice at their next message and mark
    them done themselves; a dead worker's batch is closed by whoever claims it next.
    """
    Batch.objects.filter(task_id=task_id, state=Batch.PENDING).update(state=Batch.DONE)


def _lease_end(now):
    return now + timedelta(seconds=bulkmail_settings.BATCH_LEASE_SECONDS)
