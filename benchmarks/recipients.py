"""
How fast recipient groups are counted and listed, on SQLite or MariaDB/MySQL.

For each size it builds a course of that many enrollments (two tracks, three cohorts,
about 2% opt-outs, some dormant, unactivated and disabled learners, a few staff) in a
database of its own, with course grades (about 70% of learners graded, a third of them
passed) and courseware activity (about 60% started, two blocks each, last touched up to 60
days ago), then prints, for counting every group, counting all groups selected together,
counting the learners with two filters (have not passed, inactive for 14 days) and with
three (plus enrolled in the last 400 days), seeing who 10,000 named learners (half by
username, half by address in capitals) with the two filters reach, and streaming the
``learners`` group: the time
of the first run and the median of three, the number of SQL queries and the peak Python
memory (tracemalloc).

    .venv/bin/python benchmarks/recipients.py [--sizes 10000 100000] [--explain] [--keep-database]
    DATABASE_URL=mysql://root@127.0.0.1:3306/bulkmail_bench .venv/bin/python benchmarks/recipients.py

Without DATABASE_URL it uses a temporary SQLite file. On MySQL it creates, migrates and
finally drops the database ``test_<name>`` (Django's test database of that URL). With
``--keep-database`` it uses the database of DATABASE_URL itself (created and migrated if
need be), keeps it, and reuses a course of the same size built there by an earlier run:
building a million enrollments takes many minutes, measuring them seconds. Each
size gets its own course, so the larger run also holds the smaller run's users, as an
LMS holds the users of other courses. Django has no server-side cursors on MySQL, so
there the driver holds a streamed result whole and its peak memory grows with the group;
the ledger avoids that with INSERT ... SELECT.

First come the Email page's counts (see ``recipients/counting.py``): before any background
count is ready (an estimate, for a course above BULKMAIL_EXACT_COUNT_ENROLLMENTS), the
background count a worker makes, and the page's answer once it is ready.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = tempfile.mkdtemp(prefix="bulkmail-bench-")
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devsite.settings")
os.environ.setdefault("DEVSITE_STATE_DIR", STATE_DIR)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{STATE_DIR}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402
from opaque_keys.edx.keys import CourseKey  # noqa: E402

from devsite.bulk_email.models import Optout  # noqa: E402
from devsite.course_groups.models import (  # noqa: E402
    CohortMembership,
    CourseCohort,
    CourseCohortsSettings,
    CourseUserGroup,
)
from devsite.course_modes.models import CourseMode  # noqa: E402
from devsite.course_overviews.models import CourseOverview  # noqa: E402
from devsite.courseware.models import StudentModule, keeping_given_times  # noqa: E402
from devsite.grades.models import PersistentCourseGrade  # noqa: E402
from devsite.student.models import CourseAccessRole, CourseEnrollment  # noqa: E402
from openedx_bulkmail_plugin.recipients import (  # noqa: E402
    MAX_INDIVIDUALS,
    available_groups,
    counting,
    group_counts,
    preview,
    recipients_queryset,
)

CHUNK = 5000
STAFF_PER_COURSE = 20
COHORT_NAMES = ("Alpha", "Beta", "Default Group")


def course(size):
    """The course of ``size`` enrollments, built now or by an earlier run; (course key, a staff requester)."""
    key = CourseKey.from_string(f"course-v1:Bench+N{size}+2026")
    if CourseOverview.objects.filter(id=key).exists():
        return key, get_user_model().objects.get(username=f"n{size}-0")
    if get_user_model().objects.filter(username__startswith=f"n{size}-").exists():
        sys.exit(f"A build of the course of {size} enrollments was interrupted: drop the database and run again.")
    return build_course(size)


def build_course(size):
    """
    A course of ``size`` enrollments; returns (course key, a staff member as requester).

    Its CourseOverview is written last, so that a course found in a kept database is whole.
    """
    key = CourseKey.from_string(f"course-v1:Bench+N{size}+2026")
    CourseMode.objects.create(course_id=key, mode_slug="audit", mode_display_name="Audit")
    CourseMode.objects.create(course_id=key, mode_slug="verified", mode_display_name="Verified Certificate")
    CourseCohortsSettings.objects.create(course_id=key, is_cohorted=True)
    cohorts = [CourseUserGroup.objects.create(name=name, course_id=key, group_type="cohort") for name in COHORT_NAMES]
    CourseCohort.objects.bulk_create([CourseCohort(course_user_group=group) for group in cohorts])
    user_ids = _create_users(f"n{size}-", size + STAFF_PER_COURSE)
    staff_ids, learner_ids = user_ids[:STAFF_PER_COURSE], user_ids[STAFF_PER_COURSE:]
    CourseAccessRole.objects.bulk_create(
        [CourseAccessRole(user_id=uid, course_id=key, org="Bench", role="staff") for uid in staff_ids])
    _bulk(CourseEnrollment, (
        CourseEnrollment(user_id=uid, course_id=key, mode="verified" if n % 5 < 2 else "audit", is_active=n % 33 != 0)
        for n, uid in enumerate(learner_ids)))
    _bulk(CohortMembership, (
        CohortMembership(user_id=uid, course_user_group=cohorts[n % 3], course_id=key)
        for n, uid in enumerate(learner_ids) if n % 10 != 9))
    _bulk(Optout, (Optout(user_id=uid, course_id=key) for n, uid in enumerate(learner_ids) if n % 50 == 7))
    _grades_and_activity(key, learner_ids)
    CourseOverview.objects.create(id=key, display_name=f"Bench {size}", org="Bench")
    return key, get_user_model().objects.get(pk=staff_ids[0])


def _grades_and_activity(key, learner_ids):
    """Grades for 7 learners in 10 (a third of them passed), two touched blocks for 6 in 10."""
    now = timezone.now()
    _bulk(PersistentCourseGrade, (
        PersistentCourseGrade(user_id=uid, course_id=key, percent_grade=(n * 37 % 101) / 100, letter_grade="",
                              grading_policy_hash="bench",
                              passed_timestamp=now - timedelta(days=n % 90) if n % 3 == 0 else None)
        for n, uid in enumerate(learner_ids) if n % 10 < 7))
    with keeping_given_times():
        _bulk(StudentModule, (
            StudentModule(student_id=uid, course_id=key, module_type="problem",
                          module_state_key=key.make_usage_key("problem", f"p{block}"),
                          created=now - timedelta(days=90), modified=now - timedelta(days=(n + block * 7) % 60))
            for n, uid in enumerate(learner_ids) if n % 10 < 6 for block in (1, 2)))


def _create_users(prefix, count):
    """``count`` users, about 1 in 12 dormant, 1 in 100 unactivated, 1 in 100 disabled."""
    now = timezone.now()
    usable, unusable = make_password("edx"), make_password(None)
    User = get_user_model()  # noqa: N806
    _bulk(User, (
        User(
            username=f"{prefix}{n}", email=f"{prefix}{n}@example.com",
            password=unusable if n % 100 == 51 else usable, is_active=n % 100 != 37,
            date_joined=now - timedelta(days=1200),
            last_login=now - timedelta(days=700 if n % 12 == 5 else n % 300),
        ) for n in range(count)))
    return list(User.objects.filter(username__startswith=prefix).order_by("id").values_list("id", flat=True))


def _bulk(model, objects):
    batch = []
    for instance in objects:
        batch.append(instance)
        if len(batch) == CHUNK:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def measure(label, action, repeats=3):
    """
    Run ``action`` ``repeats`` times; print the first (cold) and the median time, the SQL
    queries and the peak Python memory of one run; return its result.
    """
    timings = []
    for attempt in range(repeats):
        tracemalloc.start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = action()
        timings.append(time.perf_counter() - started)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if attempt == 0:
            query_count, first_peak = len(queries), peak
    print(f"  {label:<44} first {timings[0] * 1000:8.1f} ms  median {statistics.median(timings) * 1000:8.1f} ms"
          f"  {query_count:2d} queries  peak {first_peak / 1024:8.1f} KiB")
    return result


def named_entries(key):
    """The most learners one may name: half by username, half by address in capitals."""
    users = get_user_model().objects.filter(courseenrollment__course_id=key).order_by("id")
    rows = list(users.values_list("username", "email")[:MAX_INDIVIDUALS])
    return [username if n % 2 else email.upper() for n, (username, email) in enumerate(rows)]


def stream_learners(key, requester):
    ids = recipients_queryset(key, ["learners"], requester).values_list("id", flat=True)
    return sum(1 for _ in ids.iterator(chunk_size=2000))


def explain(key, requester):
    """Print the database's plan for counting the learners and counting every group at once."""
    every_key = [group.key for group in available_groups(key)]
    selections = (("learners", ["learners"], None), ("every group together", every_key, None),
                  ("learners with two filters", ["learners"], {"passed": False, "inactive_days": 14}))
    for label, targets, filters in selections:
        sql, params = recipients_queryset(key, targets, requester, filters=filters).values("id").query.sql_with_params()
        verb = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
        with connection.cursor() as cursor:
            cursor.execute(f"{verb} SELECT COUNT(*) FROM ({sql}) AS selection", params)
            print(f"  EXPLAIN {label}:")
            for row in cursor.fetchall():
                print("    ", row)


def page_counts(key, requester):
    """
    What the Email page waits for: its counts before any background count is ready (an
    estimate for a large course), the background counts themselves (what a worker spends),
    and the page's counts once they are ready. No worker runs here: the background counts
    are made in this process, one after the other, and timed.
    """
    queued = []
    counting.count_recipients.apply_async = lambda args, **options: queued.append(args)
    two = {"passed": False, "inactive_days": 14}
    every_key = [group.key for group in available_groups(key)]
    print(f"  Email page (counted exactly below {counting.bulkmail_settings.EXACT_COUNT_ENROLLMENTS:,} enrollments):")
    for label, ask in (
            ("open the page: every group", lambda: counting.groups(key, requester)),
            ("select every group", lambda: counting.selection(key, requester, every_key)),
            ("All Learners + two filters", lambda: counting.selection(key, requester, ["learners"], filters=two)),
    ):
        def before_any_count(ask=ask):
            caches["default"].clear()
            return ask()
        first = measure(f"{label}, no count yet", before_any_count)
        for args in queued:
            measure("  the background count (worker)", lambda args=args: counting.count_recipients(*args), repeats=1)
        queued.clear()
        ready = measure(f"{label}, count ready", ask)
        print(f"    {first.status} {_shown(first.value)} -> {ready.status} {_shown(ready.value)}")
    caches["default"].clear()


def _shown(value):
    return value if isinstance(value, int) else ", ".join(f"{group.key}={count}" for group, count in value)


def run(size, show_plan):
    started = time.perf_counter()
    key, requester = course(size)
    print(f"{size} enrollments (ready in {time.perf_counter() - started:.1f} s; "
          f"{get_user_model().objects.count()} users in the table)")
    page_counts(key, requester)
    print("  Counted exactly, now:")
    counts = measure("count every group (group_counts)", lambda: group_counts(key, requester))
    print("    " + ", ".join(f"{group}={count}" for group, count in counts.items()))
    every_key = [group.key for group in available_groups(key)]
    total = measure("count all groups selected at once", lambda: recipients_queryset(key, every_key, requester).count())
    print(f"    de-duplicated total={total}")
    two = {"passed": False, "inactive_days": 14}
    filtered = measure("count learners with two filters", lambda: recipients_queryset(
        key, ["learners"], requester, filters=two).count())
    print(f"    have not passed, inactive for 14 days={filtered}")
    three = {**two, "enrolled_within_days": 400}
    filtered = measure("count learners with three filters", lambda: recipients_queryset(
        key, ["learners"], requester, filters=three).count())
    print(f"    ... and enrolled in the last 400 days={filtered}")
    named = named_entries(key)
    seen = measure(f"see who: {len(named)} named, two filters", lambda: preview(key, requester, [], named, two))
    print(f"    count={seen['count']}, not found={len(seen['not_found'])}, left out={len(seen['excluded'])}")
    streamed = measure("stream learners (iterator 2000)", lambda: stream_learners(key, requester))
    print(f"    streamed ids={streamed}")
    if show_plan:
        explain(key, requester)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    add_keep_option(parser)
    arguments = parser.parse_args()
    with benchmark_database(arguments.keep_database):
        for size in arguments.sizes:
            run(size, arguments.explain)


def add_keep_option(parser):
    parser.add_argument("--keep-database", action="store_true",
                        help="use DATABASE_URL's own database, keep it, reuse the courses built there")


@contextmanager
def benchmark_database(keep):
    """A database to measure in: a throw-away test database, or DATABASE_URL's own when kept."""
    if keep:
        if "DATABASE_URL" not in os.environ or "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
            sys.exit("--keep-database needs DATABASE_URL naming a database whose name contains 'bench'.")
        _create_database()
        call_command("migrate", verbosity=0)
    else:
        old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=[])
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
              f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")
        yield
    finally:
        if not keep:
            teardown_databases(old_config, verbosity=0)
        shutil.rmtree(STATE_DIR, ignore_errors=True)


def _create_database():
    """Create DATABASE_URL's MySQL database when it is missing (SQLite creates its file itself)."""
    if connection.vendor != "mysql":
        return
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:  # pylint: disable=protected-access
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


if __name__ == "__main__":
    main()
