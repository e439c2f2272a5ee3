"""
The sending engine as Celery tasks: resolve recipients -> write the ledger -> send batches -> settle.

    start_send(task_id):
        begin: QUEUING/PENDING -> STARTED (once, whoever else receives the message)
        write the ledger from the recipient query and cut it into batches, by ranges of
            user ids of at most BULKMAIL_LEDGER_CHUNK_ROWS recipients, one transaction each
        STARTED -> PROGRESS with the total (or settle at once: nobody to send to)
        fan out: one send_batch message per batch

    send_batch(batch_id):
        claim the batch (a duplicate message finds it taken and stops)
        skip who opted out or bounced since the start; keep several messages in flight,
            marking accepted rows in grouped UPDATEs
        the last batch to finish settles the send: PROGRESS -> SUCCESS, counts frozen

Messages carry ids only. Each step is a conditional UPDATE, so a re-delivered message, a
worker killed mid-batch (its lease expires; see :mod:`.recovery`) or a cancel never makes
more copies of a message than ADR 2 states: those in flight or not yet marked on a worker
that died.
"""
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from ..conf import bulkmail_settings
from ..models import Batch, Delivery, SendTask
from ..recipients import EmptySelection, InvalidFilter, UnknownGroup, UserRange, for_email, reachable_for_email
from . import leases, ledger, progress
from .batch import BatchSend

log = logging.getLogger(__name__)

START_TASK_NAME = "openedx_bulkmail_plugin.tasks.start_send"
BATCH_TASK_NAME = "openedx_bulkmail_plugin.tasks.send_batch"


@shared_task(name=START_TASK_NAME, ignore_result=True)
def start_send(task_id):
    """Write the ledger of a send and fan its batches out; a second delivery does nothing twice."""
    progress.begin(task_id)
    if write_ledger(task_id):
        fan_out(task_id)


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


def write_ledger(task_id):
    """
    Write the ledger and its batches in chunks, then STARTED -> PROGRESS; whether this call did it.

    Each chunk is one transaction of at most BULKMAIL_LEDGER_CHUNK_ROWS rows (a million
    learners never make one huge transaction, nor one huge binlog event for the replicas):
    the recipients within one range of user ids, written by the database from the
    recipient query. The ranges are found first, in one pass over who the send may reach
    (:func:`.ledger.chunk_bounds`), so no chunk makes the database evaluate and sort the
    whole query again. A start interrupted between two chunks is finished by the next
    delivery of its message (or the sweep) after the highest user already written, never
    written twice; a cancel between chunks stops the writing.
    """
    task = SendTask.objects.select_related("email").get(id=task_id)
    if task.state != SendTask.STARTED:
        return False
    try:
        for_email(task.email)
    except (UnknownGroup, EmptySelection, InvalidFilter) as error:
        progress.fail(task_id, _("The recipients could not be found: {error}").format(error=error))
        return False
    while True:
        try:
            if not _write_ranges(task):
                return False
        except _RangeTooLarge:
            # People joined the course inside a range while the ledger was being written.
            log.info("Bulk email send %s: a ledger range grew; finding the ranges again.", task_id)
            continue
        return _open_for_sending(task_id)


class _RangeTooLarge(Exception):
    """A range held more recipients than a chunk may; its transaction is rolled back."""


def _write_ranges(task):
    """
    Every range of user ids after the highest written, one transaction each; False once the send left STARTED.

    Each range's query is narrowed to the range throughout (its users and the enrollments
    it reads), so a selection the database answers by materialising the course's
    enrollments materialises only the range's.
    """
    chunk = bulkmail_settings.LEDGER_CHUNK_ROWS
    after_user = Delivery.objects.filter(task_id=task.id).aggregate(last=Max("user_id"))["last"] or 0
    bounds = ledger.chunk_bounds(reachable_for_email(task.email), after_user, chunk)
    for up_to_user in [*bounds, None]:
        recipients = for_email(task.email, UserRange(after_user, up_to_user))
        if _write_chunk(task, recipients, after_user, up_to_user, chunk) is None:
            return False
        after_user = up_to_user
    return True


def _write_chunk(task, recipients, after_user, up_to_user, chunk):
    """One range of the ledger and its batches; how many rows it wrote, or None once the send left STARTED."""
    with transaction.atomic():
        # The send's row is locked first, so two starts of one send write their chunks in turn.
        if not SendTask.objects.filter(id=task.id, state=SendTask.STARTED).update(started_at=F("started_at")):
            return None
        after_row = Batch.objects.filter(task_id=task.id).aggregate(last=Max("last_delivery_id"))["last"] or 0
        written = ledger.write(task, recipients, after_user, up_to_user)
        if written > chunk:
            raise _RangeTooLarge()
        ledger.split_into_batches(task, bulkmail_settings.BATCH_SIZE, after_id=after_row)
    return written


def _open_for_sending(task_id):
    """STARTED -> PROGRESS with the ledger's total, or settle at once when it is empty."""
    with transaction.atomic():
        # The move is the first statement: SQLite refuses a transaction that reads, then writes
        # after another connection wrote ("database is locked"), and it settles the race.
        if not progress.move(task_id, (SendTask.STARTED,), SendTask.PROGRESS):
            return False
        total = Delivery.objects.filter(task_id=task_id).count()
        SendTask.objects.filter(id=task_id).update(total=total)
        if total == 0:
            progress.settle(task_id)
            return False
    log.info("Bulk email send %s: ledger of %d recipients written.", task_id, total)
    return True


def fan_out(task_id):
    """One send_batch message per pending batch of the send, in ledger order."""
    batch_ids = Batch.objects.filter(task_id=task_id, state=Batch.PENDING).order_by("id").values_list("id", flat=True)
    for batch_id in batch_ids.iterator():
        enqueue_batch(batch_id)


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
