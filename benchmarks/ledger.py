"""
How the start of a send scales: writing the ledger and its batches, and the memory of a send.

For each size it builds a course (the same population as ``benchmarks/recipients.py``),
creates an email to every group together, then one to All Learners, and prints, for the
start step (the ledger written by INSERT ... SELECT and cut into batches, in transactions
of at most BULKMAIL_LEDGER_CHUNK_ROWS rows), once per number of ledger writers, side by
side: the time, when the first batches could go out, the SQL queries, the peak Python
memory and the largest transaction. (SQLite always writes with one connection.) Then it
sends a batch in-process to Django's in-memory mail backend (after a first batch that
warms imports and templates) and prints its time and peak memory: a send's memory must
not grow with the course.

    .venv/bin/python benchmarks/ledger.py [--sizes 10000 100000] [--keep-database] [--chunk-rows N] [--writers 1 2]
    DATABASE_URL=mysql://root@127.0.0.1:3306/bulkmail_bench .venv/bin/python benchmarks/ledger.py

``--keep-database`` works as in ``benchmarks/recipients.py`` (the two share the courses
they build); the sends measured are deleted afterwards, so runs do not pile ledgers up.
Before the first, the course gets ``--earlier-sends`` emails (2) already sent, whose
ledgers stay in the table as an LMS's would (kept with the database, made once).
"""
import argparse
import importlib.util
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("recipients_benchmark", HERE / "recipients.py")
population = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(population)  # sets up Django on the benchmark's own database

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from openedx_bulkmail_plugin.models import Batch, CourseEmail, Delivery, SendTask  # noqa: E402
from openedx_bulkmail_plugin.sending import leases, ranges, tasks  # noqa: E402
from openedx_bulkmail_plugin.sending.batch import BatchSend  # noqa: E402


def measured(action):
    """Run ``action`` once; return (result, seconds, queries, peak bytes)."""
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = action()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, len(queries), peak


EARLIER_SUBJECT = "Earlier email"


def started_send(key, requester, targets=("learners",), subject="Benchmark"):
    email = CourseEmail.objects.create(course_id=key, sender=requester, subject=subject,
                                       html_message="<p>Hello %%USER_FULLNAME%%</p>", targets=list(targets))
    return SendTask.objects.create(email=email, state=SendTask.STARTED)


def run(size, keep, writer_counts, earlier):
    key, requester = population.course(size)
    for left in SendTask.objects.filter(email__course_id=key).exclude(email__subject=EARLIER_SUBJECT):
        forget(left)  # an interrupted run's: each run starts from the same ledger table
    earlier_sends(key, requester, earlier)
    every_group = [group.key for group in population.available_groups(key)]
    runs = [(label, targets, writers) for label, targets in (("every group", every_group),
                                                             ("All Learners", ["learners"]))
            for writers in writer_counts]
    for number, (label, targets, writers) in enumerate(runs, start=1):
        settings.BULKMAIL_LEDGER_WRITERS = writers
        task = started_send(key, requester, targets)
        chunks = chunk_sizes()
        ready = ReadyTimes()
        _, seconds, queries, peak = measured(lambda task=task, ready=ready: tasks.write_ledger(task.id, ready))
        task.refresh_from_db()
        batches = Batch.objects.filter(task=task).count()
        print(f"{size:>7} enrollments, {label}, {writers} writer(s): ledger of {task.total} rows and "
              f"{batches} batches written in {seconds * 1000:8.1f} ms (first batches ready after "
              f"{ready.first_batches_after() * 1000:6.1f} ms), {queries} queries on the task's connection, "
              f"peak {peak / 1024:8.1f} KiB; {len(chunks)} transactions of at most {max(chunks):,} rows",
              flush=True)
        if keep and number < len(runs):  # the last one's batches are sent below
            forget(task)
    first, second = Batch.objects.filter(task=task).order_by("id")[:2]
    BatchSend(leases.claim(first.id, leases.new_owner())).run()  # warm: imports, templates, ACE plugins
    batch = leases.claim(second.id, leases.new_owner())
    _, seconds, queries, peak = measured(lambda: BatchSend(batch).run())
    print(f"{'':>7}  a batch of {settings.BULKMAIL_BATCH_SIZE} sent (after a first, warming one) in "
          f"{seconds * 1000:8.1f} ms, {queries} queries, peak {peak / 1024:8.1f} KiB")
    if keep:
        forget(task)


def earlier_sends(key, requester, count):
    """
    The course's earlier emails to All Learners, all sent: an LMS's ledger table holds them.

    The rows a new ledger adds to the index by learner land among theirs, not at its end,
    so a ledger table holding only the measured send would flatter the figures. Kept
    across runs of a kept database; made (and their purge awaited) only where missing.
    """
    made = SendTask.objects.filter(email__course_id=key, email__subject=EARLIER_SUBJECT).count()
    for _ in range(made, count):
        task = started_send(key, requester, subject=EARLIER_SUBJECT)
        tasks.write_ledger(task.id)
        Delivery.objects.filter(task=task).update(status=Delivery.SENT, sent_at=timezone.now())
        Batch.objects.filter(task=task).update(state=Batch.DONE)
        SendTask.objects.filter(id=task.id).update(state=SendTask.SUCCESS)
    rows = Delivery.objects.filter(task__email__course_id=key, task__email__subject=EARLIER_SUBJECT).count()
    print(f"{count} earlier emails to the course: {rows:,} ledger rows in the table before each run", flush=True)
    wait_for_purge()


WRITE_RANGE = ranges.write_range


def chunk_sizes():
    """The rows each transaction of the ledger writes, as they are written."""
    written = []

    def counted(*args, **options):
        written.append(WRITE_RANGE(*args, **options))
        return written[-1]

    ranges.write_range = counted
    return written


class ReadyTimes:
    """When the start could fan batches out: called once before the first range, then after each."""

    def __init__(self):
        self.started = time.perf_counter()
        self.times = []

    def __call__(self, task_id):
        self.times.append(time.perf_counter() - self.started)

    def first_batches_after(self):
        return self.times[1] if len(self.times) > 1 else float("nan")


def forget(task):
    """Delete the measured send from a kept database: its ledger in one statement, then the rest."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Delivery._meta.db_table} WHERE task_id = %s", [task.id])
    Batch.objects.filter(task=task).delete()
    email = task.email
    task.delete()
    email.delete()
    wait_for_purge()


def wait_for_purge(timeout=300):
    """
    On MariaDB/MySQL, wait until InnoDB has purged the deleted ledger.

    Purging 861,000 deleted rows and their index entries takes the server several seconds
    of CPU in the background; measured meanwhile, the next run would pay for this one's.
    The purge is over when InnoDB's status says it is idle with nothing left, three times
    in a row, half a second apart.
    """
    if connection.vendor != "mysql":
        return
    deadline, idle = time.monotonic() + timeout, 0
    with connection.cursor() as cursor:
        while idle < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
            cursor.execute("SHOW ENGINE INNODB STATUS")
            status = cursor.fetchone()[2]
            idle = idle + 1 if "running but idle" in status and "History list length 0" in status else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--chunk-rows", type=int, default=None,
                        help="BULKMAIL_LEDGER_CHUNK_ROWS for this run; a number above the course's "
                             "size writes the ledger in one transaction, for comparison")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2],
                        help="BULKMAIL_LEDGER_WRITERS to compare, side by side in this run")
    parser.add_argument("--earlier-sends", type=int, default=2,
                        help="emails to All Learners the course had before (their ledgers stay in the table)")
    population.add_keep_option(parser)
    arguments = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if arguments.chunk_rows:
        settings.BULKMAIL_LEDGER_CHUNK_ROWS = arguments.chunk_rows
    with population.benchmark_database(arguments.keep_database):
        for size in arguments.sizes:
            run(size, arguments.keep_database, arguments.writers, arguments.earlier_sends)


if __name__ == "__main__":
    sys.exit(main())
