"""
The sending engine as Celery tasks: resolve recipients -> write the ledger -> send batches -> settle.

    start_send(task_id):
        begin: QUEUING/PENDING -> STARTED (once, whoever else receives the message)
        write the ledger from the recipient query and cut it into batches, by ranges of
            user ids of at most BULKMAIL_LEDGER_CHUNK_ROWS recipients, one transaction each;
            fan out each range's batches (one send_batch message each) as soon as it commits
        STARTED -> PROGRESS with the total; settle at once if nothing is left to send

    send_batch(batch_id):
        claim the batch (a duplicate message finds it taken and stops)
        skip who opted out or bounced since the start; keep several messages in flight,
            marking accepted rows in grouped UPDATEs
        the last batch to finish after the ledger is whole settles the send:
            PROGRESS -> SUCCESS, counts frozen

Messages carry ids only. Each step is a conditional UPDATE, so a re-delivered message, a
worker killed mid-batch (its lease expires; see :mod:`.recovery`) or a cancel never makes
more copies of a message than ADR 2 states: those in flight or not yet marked on a worker
that died.
"""
import logging

from celery import shared_task
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from ..conf import bulkmail_settings
from ..models import Batch, Delivery, SendTask
from ..recipients import EmptySelection, InvalidFilter, UnknownGroup, for_email
from . import leases, progress, ranges
from .batch import BatchSend

log = logging.getLogger(__name__)

START_TASK_NAME = "openedx_bulkmail_plugin.tasks.start_send"
BATCH_TASK_NAME = "openedx_bulkmail_plugin.tasks.send_batch"


@shared_task(name=START_TASK_NAME, ignore_result=True)
def start_send(task_id):
    """
    Write the ledger of a send, each range's batches going out as soon as the range is written.

    The first learners of a million get their message about two seconds after the start,
    not after the whole ledger (ADR 9); a second delivery of this message does nothing twice.
    """
    progress.begin(task_id)
    write_ledger(task_id, ready=FanOut())


@shared_task(name=BATCH_TASK_NAME, ignore_result=True)
def send_batch(batch_id):
    """Send one batch if this worker can claim it; settle the send when it was the last one."""
    batch = leases.claim(batch_id, leases.new_owner())
    if batch is None:
        return
    outcome = BatchSend(batch).run()
    if outcome.retry_in is not None:
        enqueue_batch(batch.id, countdown=outcome.retry_in)
    elif outcome.finished and not leases.unfinished(batch.task_id):
        progress.settle(batch.task_id)


def write_ledger(task_id, ready=None):
    """
    Write the ledger and its batches in chunks, then STARTED -> PROGRESS; whether this call did it.

    Each chunk is one transaction of at most BULKMAIL_LEDGER_CHUNK_ROWS rows (a million
    learners never make one huge transaction, nor one huge binlog event for the replicas):
    the recipients within one range of user ids (see :mod:`.ranges`). The ranges are found
    first, in one pass over who the send may reach (:func:`.ledger.chunk_bounds`), so no
    chunk makes the database evaluate and sort the whole query again. A start interrupted
    between two chunks is finished by the next delivery of its message (or the sweep)
    after the highest user already written, never written twice; a cancel between chunks
    stops the writing.

    ``ready(task_id)`` is called whenever new batches are committed (first those an
    interrupted start left, then each chunk's): the start fans them out (:class:`FanOut`)
    while it writes the rest.
    """
    task = SendTask.objects.select_related("email").get(id=task_id)
    if task.state != SendTask.STARTED:
        return False
    try:
        for_email(task.email)
    except (UnknownGroup, EmptySelection, InvalidFilter) as error:
        progress.fail(task_id, _("The recipients could not be found: {error}").format(error=error))
        return False
    ready = ready or (lambda _task_id: None)
    while True:
        try:
            if not ranges.write_ranges(task, ready):
                return False
        except ranges.RangeTooLarge:
            # People joined the course inside a range while the ledger was being written.
            log.info("Bulk email send %s: a ledger range grew; finding the ranges again.", task_id)
            continue
        return _open_for_sending(task_id)


def _open_for_sending(task_id):
    """
    STARTED -> PROGRESS with the ledger's total; settle at once when no batch is left to send.

    Batches finishing while the send is STARTED never settle it (the ledger may still
    grow), so whichever comes last settles: the batch that finishes after this move, or
    this call, which looks after it committed the move.
    """
    with transaction.atomic():
        # The move is the first statement: SQLite refuses a transaction that reads, then writes
        # after another connection wrote ("database is locked"), and it settles the race.
        if not progress.move(task_id, (SendTask.STARTED,), SendTask.PROGRESS):
            return False
        total = Delivery.objects.filter(task_id=task_id).count()
        SendTask.objects.filter(id=task_id).update(total=total)
    log.info("Bulk email send %s: ledger of %d recipients written.", task_id, total)
    if not leases.unfinished(task_id):
        progress.settle(task_id)
    return True


class FanOut:
    """Queues each pending batch of a send once, however often it is called while the ledger grows."""

    def __init__(self):
        self.after_batch = 0

    def __call__(self, task_id):
        self.after_batch = fan_out(task_id, self.after_batch)


def fan_out(task_id, after_batch=0):
    """One send_batch message per pending batch of the send after ``after_batch``, in ledger order; the last id."""
    batch_ids = Batch.objects.filter(task_id=task_id, state=Batch.PENDING, id__gt=after_batch).order_by(
        "id").values_list("id", flat=True)
    for batch_id in batch_ids.iterator():
        enqueue_batch(batch_id)
        after_batch = batch_id
    return after_batch


def enqueue_start(task_id):
    start_send.apply_async((task_id,), queue=bulkmail_settings.CELERY_QUEUE)


def enqueue_batch(batch_id, countdown=None):
    send_batch.apply_async((batch_id,), queue=bulkmail_settings.CELERY_QUEUE, countdown=countdown)


def queue_start(task_id, from_state=None):
    """
    Put the start message in the broker, then say PENDING.

    A broker that cannot take it now leaves the send waiting (QUEUING or PENDING); the
    workers' sweep queues it again, so the request that created it still succeeds.
    """
    try:
        enqueue_start(task_id)
    except BrokerError:
        log.exception("Could not queue bulk email send %s; the worker sweep will queue it again.", task_id)
        return
    if from_state is not None:
        progress.move(task_id, (from_state,), SendTask.PENDING)
