"""
How the start of a send scales: writing the ledger and its batches, and the memory of a send.

For each size it builds a course (the same population as ``benchmarks/recipients.py``),
creates an email to All Learners and prints, for the start step (the ledger written by
INSERT ... SELECT and cut into batches in one transaction): the time, the SQL queries and
the peak Python memory. Then it sends a batch in-process to Django's in-memory mail backend
(after a first batch that warms imports and templates) and prints its time and peak
memory: a send's memory must not grow with the course.

    .venv/bin/python benchmarks/ledger.py [--sizes 10000 100000]
    DATABASE_URL=mysql://root@127.0.0.1:3306/bulkmail_bench .venv/bin/python benchmarks/ledger.py
"""
import argparse
import importlib.util
import os
import shutil
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
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

from openedx_bulkmail_plugin.models import Batch, CourseEmail, SendTask  # noqa: E402
from openedx_bulkmail_plugin.sending import leases, tasks  # noqa: E402
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


def started_send(key, requester):
    email = CourseEmail.objects.create(course_id=key, sender=requester, subject="Benchmark",
                                       html_message="<p>Hello %%USER_FULLNAME%%</p>", targets=["learners"])
    return SendTask.objects.create(email=email, state=SendTask.STARTED)


def run(size):
    key, requester = population.build_course(size)
    task = started_send(key, requester)
    _, seconds, queries, peak = measured(lambda: tasks.write_ledger(task.id))
    task.refresh_from_db()
    batches = Batch.objects.filter(task=task).count()
    print(f"{size:>7} enrollments: ledger of {task.total} rows and {batches} batches written in "
          f"{seconds * 1000:8.1f} ms, {queries} queries, peak {peak / 1024:8.1f} KiB")
    first, second = Batch.objects.filter(task=task).order_by("id")[:2]
    BatchSend(leases.claim(first.id, leases.new_owner())).run()  # warm: imports, templates, ACE plugins
    batch = leases.claim(second.id, leases.new_owner())
    _, seconds, queries, peak = measured(lambda: BatchSend(batch).run())
    print(f"{'':>7}  a batch of {settings.BULKMAIL_BATCH_SIZE} sent (after a first, warming one) in "
          f"{seconds * 1000:8.1f} ms, {queries} queries, peak {peak / 1024:8.1f} KiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    arguments = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for size in arguments.sizes:
            run(size)
    finally:
        teardown_databases(old_config, verbosity=0)
        shutil.rmtree(population.STATE_DIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
