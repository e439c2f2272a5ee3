"""
Scheduling: the due time is validated, every dispatcher starts a due send exactly once,
and edits or revocations either happen whole before the start or not at all.
"""
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from devsite.celery import app as celery_app
from openedx_bulkmail_plugin import api, scheduling
from openedx_bulkmail_plugin.models import CourseEmail, SendTask
from tests import factories

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def scheduled_send(due, subject="Later", targets=("learners",), sender=None):
    """A send waiting in SCHEDULED, written as api.create_email leaves it."""
    email = CourseEmail.objects.create(
        course_id=factories.COURSE_KEY, sender=sender, subject=subject, html_message="<p>Hello</p>",
        targets=list(targets))
    return SendTask.objects.create(email=email, state=SendTask.SCHEDULED, due=due)


@pytest.fixture
def course_with_learner(db):  # pylint: disable=unused-argument
    factories.course()
    return factories.learner()


@pytest.fixture
def broker_calls():
    """Celery as in production (not eager), with the check task's enqueue recorded, not sent."""
    celery_app.conf.task_always_eager = False
    with mock.patch.object(scheduling.watch_schedule, "apply_async") as apply_async:
        yield apply_async


def frozen_clock(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


# The due time


def test_due_with_an_offset_is_returned_in_utc():
    due = scheduling.validate_due("2026-12-01T09:00:00+01:00", now=NOW)
    assert due == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_due_with_a_z_suffix_is_accepted():
    assert scheduling.validate_due("2026-12-01T08:00:00Z", now=NOW) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_due_without_an_offset_is_refused_under_schedule():
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due("2026-12-01T09:00:00", now=NOW)
    assert set(refused.value.errors) == {"schedule"}


def test_due_that_is_not_a_date_is_refused_under_schedule():
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due("next tuesday", now=NOW)
    assert set(refused.value.errors) == {"schedule"}


def test_due_on_a_day_that_does_not_exist_is_refused_under_schedule():
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due("2027-02-30T09:00:00Z", now=NOW)
    assert set(refused.value.errors) == {"schedule"}


def test_due_given_as_a_number_is_refused_under_schedule():
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due(1_800_000_000, now=NOW)
    assert set(refused.value.errors) == {"schedule"}


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"])
def test_due_at_the_edge_of_the_calendar_is_refused_under_schedule(value):
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due(value, now=NOW)
    assert set(refused.value.errors) == {"schedule"}


def test_due_a_few_seconds_in_the_past_is_accepted_as_clock_skew():
    assert scheduling.validate_due(NOW - timedelta(seconds=30), now=NOW) == NOW - timedelta(seconds=30)


def test_due_in_the_past_beyond_clock_skew_is_refused(settings):
    settings.BULKMAIL_SCHEDULE_CLOCK_SKEW_SECONDS = 60
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due(NOW - timedelta(seconds=61), now=NOW)
    assert set(refused.value.errors) == {"schedule"}


def test_due_exactly_a_year_ahead_is_accepted(settings):
    settings.BULKMAIL_SCHEDULE_MAX_DAYS = 365
    assert scheduling.validate_due(NOW + timedelta(days=365), now=NOW) == NOW + timedelta(days=365)


def test_due_more_than_a_year_ahead_is_refused(settings):
    settings.BULKMAIL_SCHEDULE_MAX_DAYS = 365
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.validate_due(NOW + timedelta(days=365, seconds=1), now=NOW)
    assert set(refused.value.errors) == {"schedule"}


# The check task that watches one scheduled send


def test_check_waits_the_time_to_due_when_that_is_shorter_than_the_check_period(settings):
    settings.BULKMAIL_SCHEDULE_CHECK_SECONDS = 60
    assert scheduling.seconds_until_next_check(NOW + timedelta(seconds=12), now=NOW) == 12


def test_check_never_waits_longer_than_the_check_period(settings):
    settings.BULKMAIL_SCHEDULE_CHECK_SECONDS = 60
    assert scheduling.seconds_until_next_check(NOW + timedelta(days=30), now=NOW) == 60


def test_check_of_an_overdue_send_runs_at_once():
    assert scheduling.seconds_until_next_check(NOW - timedelta(minutes=5), now=NOW) == 0


def test_watch_enqueues_its_check_only_when_the_schedule_is_committed(
        course_with_learner, broker_calls, django_capture_on_commit_callbacks):  # pylint: disable=unused-argument
    task = scheduled_send(timezone.now() + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scheduling.watch(task)
    broker_calls.assert_not_called()
    for callback in callbacks:
        callback()
    broker_calls.assert_called_once()


def test_watch_check_goes_to_the_bulkmail_queue_with_a_short_countdown(
        course_with_learner, broker_calls, django_capture_on_commit_callbacks, settings):  # pylint: disable=unused-argument
    settings.BULKMAIL_CELERY_QUEUE = "bulkmail.scheduled"
    settings.BULKMAIL_SCHEDULE_CHECK_SECONDS = 60
    task = scheduled_send(timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.watch(task)
    options = broker_calls.call_args.kwargs
    assert options["queue"] == "bulkmail.scheduled"
    assert 0 < options["countdown"] <= 60
    assert options["args"][0] == task.pk


def test_schedule_survives_a_broker_that_cannot_take_the_check(
        course_with_learner, broker_calls, django_capture_on_commit_callbacks):  # pylint: disable=unused-argument
    broker_calls.side_effect = BrokerError("connection refused")
    task = scheduled_send(timezone.now() + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.watch(task)
    assert SendTask.objects.get(pk=task.pk).state == SendTask.SCHEDULED


def test_check_before_due_checks_again_and_starts_nothing(course_with_learner, broker_calls):  # pylint: disable=unused-argument
    task = scheduled_send(NOW + timedelta(minutes=10))
    with frozen_clock(NOW):
        outcome = scheduling.watch_schedule(task.pk, task.due.isoformat())
    assert outcome == "waiting"
    assert broker_calls.call_args.kwargs["countdown"] == 60
    assert SendTask.objects.get(pk=task.pk).state == SendTask.SCHEDULED


def test_check_at_due_starts_the_send(course_with_learner):  # pylint: disable=unused-argument
    task = scheduled_send(NOW)
    with frozen_clock(NOW + timedelta(seconds=1)), mock.patch.object(scheduling.watch_schedule, "apply_async") as again:
        outcome = scheduling.watch_schedule(task.pk, task.due.isoformat())
    assert outcome == "started"
    assert SendTask.objects.get(pk=task.pk).state != SendTask.SCHEDULED
    again.assert_not_called()


def test_check_of_a_revoked_send_stops(course_with_learner, broker_calls):  # pylint: disable=unused-argument
    task = scheduled_send(NOW + timedelta(minutes=10))
    scheduling.revoke_scheduled(task)
    with frozen_clock(NOW):
        assert scheduling.watch_schedule(task.pk, task.due.isoformat()) == "stopped"
    broker_calls.assert_not_called()


def test_check_for_a_due_time_that_was_edited_stops_in_favour_of_the_new_one(
        course_with_learner, broker_calls):  # pylint: disable=unused-argument
    task = scheduled_send(NOW + timedelta(minutes=10))
    old_due = task.due.isoformat()
    SendTask.objects.filter(pk=task.pk).update(due=NOW + timedelta(minutes=20))
    with frozen_clock(NOW):
        assert scheduling.watch_schedule(task.pk, old_due) == "superseded"
    broker_calls.assert_not_called()


def test_eager_celery_never_waits_for_a_future_send_in_process(course_with_learner):  # pylint: disable=unused-argument
    task = scheduled_send(timezone.now() + timedelta(hours=1))
    with mock.patch.object(scheduling.watch_schedule, "apply_async") as apply_async:
        scheduling.watch_schedule(task.pk, task.due.isoformat())
    apply_async.assert_not_called()
    assert SendTask.objects.get(pk=task.pk).state == SendTask.SCHEDULED


# The sweep and the management command


def test_dispatch_starts_due_sends_and_leaves_future_ones(course_with_learner):  # pylint: disable=unused-argument
    due = scheduled_send(NOW - timedelta(seconds=1))
    future = scheduled_send(NOW + timedelta(seconds=1))
    assert scheduling.dispatch_due(now=NOW) == 1
    assert SendTask.objects.get(pk=due.pk).state != SendTask.SCHEDULED
    assert SendTask.objects.get(pk=future.pk).state == SendTask.SCHEDULED


def test_dispatch_never_starts_a_revoked_send(course_with_learner):  # pylint: disable=unused-argument
    task = scheduled_send(NOW + timedelta(minutes=1))
    scheduling.revoke_scheduled(task)
    assert scheduling.dispatch_due(now=NOW + timedelta(hours=1)) == 0
    assert SendTask.objects.get(pk=task.pk).state == SendTask.REVOKED


def test_second_dispatch_starts_nothing_more(course_with_learner):  # pylint: disable=unused-argument
    scheduled_send(NOW - timedelta(minutes=1))
    assert scheduling.dispatch_due(now=NOW) == 1
    assert scheduling.dispatch_due(now=NOW) == 0


def test_dispatch_goes_on_when_one_send_cannot_be_started(course_with_learner):  # pylint: disable=unused-argument
    first = scheduled_send(NOW - timedelta(minutes=2))
    scheduled_send(NOW - timedelta(minutes=1))
    real_start = scheduling.start_scheduled

    def broker_down_for_first(task_id):
        if task_id == first.pk:
            raise ConnectionError("broker unreachable")
        return real_start(task_id)

    with mock.patch.object(scheduling, "start_scheduled", side_effect=broker_down_for_first):
        assert scheduling.dispatch_due(now=NOW) == 1


def test_dispatch_command_prints_how_many_it_started(course_with_learner):  # pylint: disable=unused-argument
    scheduled_send(timezone.now() - timedelta(seconds=5))
    scheduled_send(timezone.now() - timedelta(seconds=5))
    out = StringIO()
    call_command("bulkmail_dispatch_due", stdout=out)
    assert "Started 2 " in out.getvalue()


# Editing and revoking while scheduled


def test_edit_changes_subject_body_targets_and_due_together(course_with_learner, settings):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    task = scheduled_send(timezone.now() + timedelta(days=1), sender=editor)
    new_due = timezone.now() + timedelta(days=2)
    scheduling.edit_scheduled(task, editor, subject="New", body="<p>New</p>", targets=["myself"], due=new_due)
    task = SendTask.objects.select_related("email").get(pk=task.pk)
    assert (task.email.subject, task.email.html_message, task.email.targets, task.due) == (
        "New", "<p>New</p>", ["myself"], new_due)


def test_edit_of_the_subject_keeps_everything_else(course_with_learner):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    due = timezone.now() + timedelta(days=1)
    task = scheduled_send(due, targets=["learners"])
    scheduling.edit_scheduled(task, editor, subject="Only this")
    task = SendTask.objects.select_related("email").get(pk=task.pk)
    assert (task.email.subject, task.email.html_message, task.email.targets, task.due) == (
        "Only this", "<p>Hello</p>", ["learners"], due)


def test_invalid_edit_names_every_bad_field_and_changes_nothing(course_with_learner):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    task = scheduled_send(timezone.now() + timedelta(days=1), subject="Kept")
    with pytest.raises(api.EmailInvalid) as refused:
        scheduling.edit_scheduled(task, editor, subject="", due="2026-12-01T09:00:00")
    assert {"subject", "schedule"} <= set(refused.value.errors)
    assert CourseEmail.objects.get(pk=task.email_id).subject == "Kept"


def test_edit_after_the_send_started_is_refused_and_changes_nothing(course_with_learner):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    task = scheduled_send(timezone.now() - timedelta(seconds=1), subject="As sent")
    scheduling.dispatch_due()
    with pytest.raises(api.WrongState) as refused:
        scheduling.edit_scheduled(task, editor, subject="Too late", due=timezone.now() + timedelta(days=1))
    assert refused.value.state != SendTask.SCHEDULED
    task = SendTask.objects.select_related("email").get(pk=task.pk)
    assert task.email.subject == "As sent"
    assert task.due < timezone.now()


def test_edit_of_the_due_time_starts_watching_the_new_time(
        course_with_learner, broker_calls, django_capture_on_commit_callbacks):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    task = scheduled_send(timezone.now() + timedelta(days=1))
    new_due = timezone.now() + timedelta(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.edit_scheduled(task, editor, due=new_due)
    assert broker_calls.call_args.kwargs["args"] == (task.pk, new_due.isoformat())


def test_edit_that_keeps_the_due_time_starts_no_second_watch(
        course_with_learner, broker_calls, django_capture_on_commit_callbacks):  # pylint: disable=unused-argument
    editor = factories.user(is_staff=True)
    task = scheduled_send(timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.edit_scheduled(task, editor, subject="Reworded", due=task.due)
    broker_calls.assert_not_called()


def test_revoked_send_is_kept_in_history_as_revoked(course_with_learner):  # pylint: disable=unused-argument
    task = scheduled_send(timezone.now() + timedelta(days=1))
    scheduling.revoke_scheduled(task)
    task = SendTask.objects.get(pk=task.pk)
    assert task.state == SendTask.REVOKED
    assert task.finished_at is not None


def test_revoke_after_the_send_started_is_refused(course_with_learner):  # pylint: disable=unused-argument
    task = scheduled_send(timezone.now() - timedelta(seconds=1))
    scheduling.dispatch_due()
    started_state = SendTask.objects.get(pk=task.pk).state
    with pytest.raises(api.WrongState) as refused:
        scheduling.revoke_scheduled(task)
    assert refused.value.state == started_state
    assert SendTask.objects.get(pk=task.pk).state == started_state
