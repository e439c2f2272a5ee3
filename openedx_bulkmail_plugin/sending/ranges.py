"""
Writing a send's ledger range by range: bounded transactions, committed in user id order.

Each range of user ids holds at most BULKMAIL_LEDGER_CHUNK_ROWS recipients and is written
in a transaction of its own, after the send's row is locked; the ranges commit one after
another in user id order, so a start interrupted between two is resumed after the highest
user written, and never writes a row twice.

With one writer, each range is one INSERT ... SELECT from the recipient query. With
several (BULKMAIL_LEDGER_WRITERS, on a server database and outside any transaction),
each writer has a connection of its own and finds its next range's recipients, into a
temporary table, while another writer commits the range before: at a million learners,
finding the recipients and writing the rows take about as long as each other, and
overlapping them made the whole ledger a quarter to a third faster (README, ADR 9).
"""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Max

from ..conf import bulkmail_settings
from ..models import Batch, Delivery, SendTask
from ..recipients import UserRange, for_email, reachable_for_email
from . import ledger

log = logging.getLogger(__name__)


class RangeTooLarge(Exception):
    """A range holds more recipients than a chunk may (people joined meanwhile); cut the ranges again."""


class SendLeftStarted(Exception):
    """The send was cancelled or failed while its ledger was being written."""


def write_ranges(task, ready):
    """
    Every range after the highest user written; False once the send left STARTED.

    ``ready(task_id)`` is called after each range commits (and once first, for batches an
    interrupted start left), so the start can send its batches while it writes the rest.
    """
    chunk = bulkmail_settings.LEDGER_CHUNK_ROWS
    after_user = Delivery.objects.filter(task_id=task.id).aggregate(last=Max("user_id"))["last"] or 0
    bounds = ledger.chunk_bounds(reachable_for_email(task.email), after_user, chunk)
    ranges = list(zip([after_user, *bounds], [*bounds, None], strict=True))
    ready(task.id)
    try:
        if len(ranges) > 1 and writer_count() > 1 and _staging_table_created(task):
            Pipeline(task, ranges, ready, writer_count()).run()
            return True
        for after, up_to in ranges:
            write_range(task, for_email(task.email, UserRange(after, up_to)), chunk)
            ready(task.id)
    except SendLeftStarted:
        return False
    return True


def _staging_table_created(task):
    try:
        ledger.create_staging_table(bulkmail_settings.LEDGER_CHUNK_ROWS)
    except DatabaseError:
        log.warning("Bulk email send %s: no temporary table allowed; one ledger writer.", task.id)
        return False
    return True


def writer_count():
    """Several writers need connections of their own that see the send: a server database, no open transaction."""
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        return 1
    return bulkmail_settings.LEDGER_WRITERS


def write_range(task, recipients, chunk):
    """
    One range of the ledger and its batches, in one transaction; how many rows it wrote.

    ``recipients`` is the range's recipient query, or None to write what this connection
    staged. Raises :class:`SendLeftStarted` once the send is no longer STARTED.
    """
    with transaction.atomic():
        # The send's row is locked first, so two starts of one send write their ranges in turn.
        if not SendTask.objects.filter(id=task.id, state=SendTask.STARTED).update(started_at=F("started_at")):
            raise SendLeftStarted()
        after_row = Batch.objects.filter(task_id=task.id).aggregate(last=Max("last_delivery_id"))["last"] or 0
        written = ledger.write(task, recipients) if recipients is not None else ledger.write_staged(task)
        if written > chunk:
            raise RangeTooLarge()
        ledger.split_into_batches(task, bulkmail_settings.BATCH_SIZE, after_id=after_row)
    return written


class Pipeline:
    """
    Writers taking the ranges in turn: writer ``k`` of ``n`` stages ranges ``k``, ``k + n``, ...
    and commits each in its turn.

    The calling thread is writer 0, with the staging table it already created; the others
    run in threads, each on a connection of its own that it closes when done. A failure
    in any writer stops them all and is raised to the caller.
    """

    def __init__(self, task, ranges, ready, writers):
        self.task = task
        self.ranges = ranges
        self.ready = ready
        self.writers = min(writers, len(ranges))
        self.turn = 0
        self.failure = None
        self.changed = threading.Condition()

    def run(self):
        with ThreadPoolExecutor(max_workers=self.writers - 1) as pool:
            others = [pool.submit(self.writer_thread, k) for k in range(1, self.writers)]
            self.writer(0)
            for other in others:
                other.result()
        if self.failure is not None:
            raise self.failure

    def writer_thread(self, k):
        try:
            ledger.create_staging_table(bulkmail_settings.LEDGER_CHUNK_ROWS)
            self.writer(k)
        except Exception as error:  # pylint: disable=broad-except
            self.stop(error)
        finally:
            connections.close_all()  # this thread's connections only

    def writer(self, k):
        chunk = bulkmail_settings.LEDGER_CHUNK_ROWS
        try:
            for index in range(k, len(self.ranges), self.writers):
                staged = ledger.stage(for_email(self.task.email, UserRange(*self.ranges[index])))
                if staged > chunk:
                    raise RangeTooLarge()
                if not self.wait_for_turn(index):
                    return
                write_range(self.task, None, chunk)
                self.ready(self.task.id)
                self.pass_turn(index + 1)
        except BaseException as error:  # pylint: disable=broad-except
            self.stop(error)
            if not isinstance(error, Exception):
                raise  # a worker shutting down: the other writers are told first, so none waits on
        finally:
            ledger.drop_staging_table()

    def wait_for_turn(self, index):
        """Block until the ranges before ``index`` are committed; False if a writer failed meanwhile."""
        with self.changed:
            self.changed.wait_for(lambda: self.turn == index or self.failure is not None)
            return self.failure is None

    def pass_turn(self, index):
        with self.changed:
            self.turn = index
            self.changed.notify_all()

    def stop(self, error):
        with self.changed:
            self.failure = self.failure or error
            self.changed.notify_all()
