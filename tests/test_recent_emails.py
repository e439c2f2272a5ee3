"""
The once-a-week guard: how many emails of the course learners of a selection got (or are
scheduled to get) within the window around a send, counted in one query.
"""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from tests import factories
from tests.sending_support import instructor, many_learners

pytestmark = pytest.mark.django_db
KEY = factories.COURSE_KEY
OTHER_KEY = "course-v1:TestX+Other+2026"


@pytest.fixture
def learners():
    factories.course()
    return many_learners(4)


@pytest.fixture
def me(learners):  # pylint: disable=unused-argument,redefined-outer-name
    return instructor()


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def sent_email(people, started, status=Delivery.SENT, state=SendTask.SUCCESS, course_key=KEY):
    """An email of the course whose send started at ``started`` and has a ledger row per person."""
    email = CourseEmail.objects.create(course_id=course_key, subject="Sent", html_message="<p>Hi</p>",
                                       targets=["learners"])
    task = SendTask.objects.create(email=email, state=state, started_at=started)
    Delivery.objects.bulk_create([Delivery(task=task, user=person, status=status) for person in people])
    return email


def waiting_email(state=SendTask.SCHEDULED, due=None):
    email = CourseEmail.objects.create(course_id=KEY, subject="Later", html_message="<p>Hi</p>",
                                       targets=["learners"])
    SendTask.objects.create(email=email, state=state, due=due)
    return email


def count(requester, targets=("learners",), **options):
    return api.recent_emails(KEY, requester, list(targets), **options).count


def test_no_email_yet_counts_nothing(me):
    assert count(me) == 0


def test_an_email_sent_to_the_learners_two_days_ago_counts_once(me, learners):
    sent_email(learners, days_ago(2))

    assert count(me) == 1


def test_an_email_sent_before_the_window_does_not_count(me, learners):
    sent_email(learners, days_ago(8))

    assert count(me) == 0


def test_the_count_is_the_most_any_one_learner_of_the_selection_got(me, learners):
    sent_email(learners, days_ago(1))
    sent_email(learners[:1], days_ago(2))
    sent_email(learners[:1], days_ago(3))

    assert count(me) == 3
    assert count(me, targets=(), individuals=[learners[1].username]) == 1
    assert count(me, targets=(), individuals=[learners[0].email.upper()]) == 3


def test_only_learners_of_the_selection_are_counted(me, learners):
    sent_email(learners[:1], days_ago(1))

    assert count(me, targets=("learners",), filters={"passed": True}) == 0


@pytest.mark.parametrize("status", [Delivery.FAILED, Delivery.SKIPPED, Delivery.SUPPRESSED, Delivery.CANCELLED])
def test_rows_that_reached_nobody_do_not_count(me, learners, status):
    sent_email(learners, days_ago(1), status=status, state=SendTask.REVOKED)

    assert count(me) == 0


def test_a_send_still_running_counts_for_the_rows_it_still_owes(me, learners):
    sent_email(learners, days_ago(0), status=Delivery.QUEUED, state=SendTask.PROGRESS)

    assert count(me) == 1


@pytest.mark.parametrize("state, due, counted", [
    (SendTask.SCHEDULED, 3, 1),
    (SendTask.SCHEDULED, 20, 0),
    (SendTask.QUEUING, None, 1),
    (SendTask.PENDING, None, 1),
    (SendTask.DRAFT, None, 0),
    (SendTask.REVOKED, 2, 0),
])
def test_emails_not_started_count_as_reaching_the_selection_when_due_in_the_window(me, state, due, counted):
    waiting_email(state, due=timezone.now() + timedelta(days=due) if due is not None else None)

    assert count(me) == counted


def test_the_window_is_around_the_time_of_the_new_send(me, learners):
    sent_email(learners, days_ago(2))
    waiting_email(due=timezone.now() + timedelta(days=20))

    assert count(me, around=timezone.now() + timedelta(days=18)) == 1


def test_the_email_being_edited_is_not_counted(me):
    edited = waiting_email(due=timezone.now() + timedelta(days=1))

    assert count(me, excluding=edited.pk) == 0


def test_the_course_team_groups_are_not_counted(me, learners):  # pylint: disable=unused-argument
    sent_email([me], days_ago(1))

    assert count(me, targets=("myself", "staff")) == 0


def test_emails_of_another_course_do_not_count(me, learners):
    factories.course(OTHER_KEY)
    sent_email(learners, days_ago(1), course_key=OTHER_KEY)

    assert count(me) == 0


def test_the_ledger_is_read_in_one_query(me, learners):
    sent_email(learners, days_ago(1))
    waiting_email(due=timezone.now() + timedelta(days=1))

    with CaptureQueriesContext(connection) as queries:
        answer = count(me, targets=("learners",), individuals=["learner0"], filters={"passed": False})

    assert answer == 2
    ledger_queries = [query for query in queries.captured_queries if Delivery._meta.db_table in query["sql"]]
    assert len(ledger_queries) == 1


@pytest.mark.parametrize("warn_at, warn", [(1, True), (2, False)])
def test_it_warns_from_the_threshold(me, learners, settings, warn_at, warn):
    settings.BULKMAIL_RECENT_EMAILS_WARN_AT = warn_at
    sent_email(learners, days_ago(1))

    answer = api.recent_emails(KEY, me, ["learners"])

    assert (answer.count, answer.warn, answer.window_days) == (1, warn, 7)


@pytest.mark.parametrize("off", [None, 0])
def test_operators_can_turn_the_guard_off(me, learners, settings, off):
    settings.BULKMAIL_RECENT_EMAILS_WARN_AT = off
    sent_email(learners, days_ago(1))

    with CaptureQueriesContext(connection) as queries:
        answer = api.recent_emails(KEY, me, ["learners"])

    assert (answer.count, answer.warn) == (None, False)
    assert not queries.captured_queries


def test_operators_set_the_window(me, learners, settings):
    settings.BULKMAIL_RECENT_EMAILS_WINDOW_DAYS = 14
    sent_email(learners, days_ago(10))

    assert count(me) == 1


@pytest.fixture
def large_course(settings, learners):  # pylint: disable=redefined-outer-name
    """The four learners' course counted as large: more enrollments than are counted per request."""
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 2
    return learners


def sent_to(targets, started, sent=1, individuals=()):
    email = CourseEmail.objects.create(course_id=KEY, subject="Sent", html_message="<p>Hi</p>",
                                       targets=list(targets), individuals=list(individuals))
    SendTask.objects.create(email=email, state=SendTask.SUCCESS, started_at=started, sent=sent)
    return email


def test_a_large_course_counts_its_recent_sends_to_learners_without_reading_the_ledger(large_course, me):
    sent_to(["learners"], days_ago(2))
    sent_to(["cohort:Nobody"], days_ago(3))  # reached no one of this selection: still counted, an upper bound
    sent_to(["myself"], days_ago(1))  # a test to the instructor reaches no learner
    sent_to(["staff", "myself"], days_ago(1))
    sent_to(["learners"], days_ago(1), sent=0)  # stopped before anyone got it
    sent_to(["learners"], days_ago(30))  # outside the window
    waiting_email(due=timezone.now() + timedelta(days=3))
    excluded = waiting_email(due=timezone.now() + timedelta(days=4))

    with CaptureQueriesContext(connection) as queries:
        answer = api.recent_emails(KEY, me, ["learners"], excluding=excluded.id)

    assert (answer.count, answer.exact, answer.warn) == (3, False, True)
    assert not any(Delivery._meta.db_table in query["sql"] for query in queries.captured_queries)


def test_a_named_learner_email_counts_in_a_large_course_too(large_course, me):
    sent_to(["myself"], days_ago(1), individuals=[large_course[0].username])

    assert api.recent_emails(KEY, me, ["learners"]).count == 1


def test_a_small_course_is_counted_per_learner_and_says_so(me):
    sent_email([], days_ago(1))

    answer = api.recent_emails(KEY, me, ["learners"])
    assert (answer.count, answer.exact) == (0, True)
