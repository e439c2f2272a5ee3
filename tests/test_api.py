"""
The public Python API: validation, creating and queuing a send, scheduling, cancelling, counts.
"""
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from openedx_bulkmail_plugin import api, validation
from openedx_bulkmail_plugin.models import Batch, CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.sending import progress, tasks
from tests import factories
from tests.sending_support import instructor, many_learners

pytestmark = pytest.mark.django_db
KEY = factories.COURSE_KEY


@pytest.fixture
def sender():
    factories.course()
    many_learners(6)
    return instructor()


@pytest.fixture
def no_sending(monkeypatch):
    """Queue nothing: the start message is recorded instead of run."""
    queued = []
    monkeypatch.setattr(tasks, "enqueue_start", queued.append)
    return queued


def invalid_fields(sender, subject="Week 1", body="<p>Hi</p>", targets=("learners",)):
    with pytest.raises(api.EmailInvalid) as raised:
        api.validate_content(KEY, subject, body, list(targets), sender)
    return raised.value.errors


def test_valid_email_gives_normalised_targets(sender):
    selection = api.validate_content(KEY, "Week 1", "<p>Hi</p>", [" Learners ", "learners", "myself"], sender)
    assert selection.targets == ["learners", "myself"]


@pytest.mark.parametrize("subject", ["", "   ", None])
def test_missing_subject_is_refused(sender, subject):
    assert set(invalid_fields(sender, subject=subject)) == {"subject"}


def test_subject_longer_than_255_characters_is_refused(sender):
    assert set(invalid_fields(sender, subject="x" * 256)) == {"subject"}


@pytest.mark.parametrize("subject", ["Week 1\r\nBcc: everyone@example.com", "Week\n1", "Week\r1"])
def test_subject_with_a_line_break_is_refused(sender, subject):
    assert set(invalid_fields(sender, subject=subject)) == {"subject"}


@pytest.mark.parametrize("body", ["", "  \n ", None])
def test_missing_body_is_refused(sender, body):
    assert set(invalid_fields(sender, body=body)) == {"body"}


def test_body_over_the_size_limit_is_refused(sender, settings):
    settings.BULKMAIL_MAX_BODY_BYTES = 10
    assert set(invalid_fields(sender, body="<p>é" + "x" * 4 + "</p>")) == {"body"}


def test_body_over_the_size_limit_is_explained_in_megabytes(sender, settings):
    settings.BULKMAIL_MAX_BODY_BYTES = 1_000_000
    problem = invalid_fields(sender, body="<p>" + "x" * 1_300_000 + "</p>")["body"]
    assert problem == "The message is too long: 1.3 MB; the limit is 1 MB."


@pytest.mark.parametrize("size, words", [
    (999, "999 bytes"), (1_000, "1 kB"), (250_400, "250.4 kB"), (1_000_001, "1 MB"), (1_299_999, "1.2 MB"),
    (12_000_000, "12 MB"),
])
def test_sizes_are_said_in_decimal_units_rounded_down(size, words):
    assert validation.size_in_words(size) == words


def test_unknown_target_is_refused_naming_it(sender):
    assert "cohort:Nobody" in invalid_fields(sender, targets=["learners", "cohort:Nobody"])["targets"]


def test_no_target_is_refused(sender):
    assert set(invalid_fields(sender, targets=[])) == {"targets"}


def test_every_bad_field_is_named_at_once(sender):
    assert set(invalid_fields(sender, subject="", body="", targets=["nobody"])) == {"subject", "body", "targets"}


def test_selection_that_reaches_nobody_now_is_refused_and_nothing_is_created(sender):
    factories.course(cohorted=True)
    factories.cohort("Empty")

    with pytest.raises(api.EmailInvalid) as raised:
        api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["cohort:Empty"])

    assert set(raised.value.errors) == {"targets"}
    assert not CourseEmail.objects.exists()


def test_invalid_email_creates_nothing(sender):
    with pytest.raises(api.EmailInvalid):
        api.create_email(KEY, sender, "", "<p>Hi</p>", ["learners"])

    assert not CourseEmail.objects.exists()
    assert not SendTask.objects.exists()


def test_created_email_keeps_what_the_instructor_wrote(sender, no_sending):
    task = api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["Learners"])

    email = CourseEmail.objects.get(id=task.email_id)
    assert (email.course_id, email.sender, email.subject, email.html_message, email.targets) == (
        KEY, sender, "Week 1", "<p>Hi</p>", ["learners"])


def test_send_now_is_queued_only_when_the_transaction_commits(sender, no_sending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task = api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["learners"])

    assert (task.state, no_sending) == (SendTask.QUEUING, [])
    callbacks[0]()
    assert no_sending == [task.id]
    assert SendTask.objects.get(id=task.id).state == SendTask.PENDING


def test_send_now_runs_to_success(sender, smtp_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["learners"])

    task.refresh_from_db()
    assert (task.state, api.counts(task)) == (
        SendTask.SUCCESS, {"total": 6, "sent": 6, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0})
    assert len(smtp_settings.messages) == 6


def test_broker_down_at_creation_leaves_the_send_queuing_for_the_sweep(
        sender, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(task_id):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks, "enqueue_start", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        task = api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["learners"])

    assert SendTask.objects.get(id=task.id).state == SendTask.QUEUING


def test_scheduled_email_waits_and_queues_nothing(sender, no_sending, django_capture_on_commit_callbacks):
    due = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        task = api.create_email(KEY, sender, "Week 1", "<p>Hi</p>", ["learners"], due=due)

    task.refresh_from_db()
    assert (task.state, task.due, no_sending) == (SendTask.SCHEDULED, due, [])
    assert not Delivery.objects.filter(task=task).exists()


def scheduled(sender):
    return api.create_email(KEY, sender, "Later", "<p>Hi</p>", ["learners"], due=timezone.now() + timedelta(days=1))


def test_start_scheduled_starts_the_send_once(sender, no_sending, django_capture_on_commit_callbacks):
    task = scheduled(sender)

    with django_capture_on_commit_callbacks(execute=True):
        assert api.start_scheduled(task.id) is True
        assert api.start_scheduled(task.id) is False
    assert no_sending == [task.id]
    assert SendTask.objects.get(id=task.id).state == SendTask.PENDING


def running_send(sender, settings, sent=2):
    """A send in PROGRESS with its ledger written and ``sent`` rows already sent."""
    settings.BULKMAIL_BATCH_SIZE = 3
    email = CourseEmail.objects.create(
        course_id=KEY, sender=sender, subject="S", html_message="B", targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.PENDING)
    progress.begin(task.id)
    tasks.write_ledger(task.id)
    for row in Delivery.objects.filter(task=task).order_by("id")[:sent]:
        Delivery.objects.filter(id=row.id).update(status=Delivery.SENT, sent_at=timezone.now())
    return SendTask.objects.get(id=task.id)


def test_cancel_revokes_marks_the_unsent_cancelled_and_keeps_the_sent(sender, settings):
    task = running_send(sender, settings, sent=2)

    task = api.cancel_send(task)

    assert task.state == SendTask.REVOKED
    assert api.counts(task) == {
        "total": 6, "sent": 2, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 4}
    assert not Delivery.objects.filter(task=task, status=Delivery.QUEUED).exists()
    assert set(Delivery.objects.filter(task=task, status=Delivery.CANCELLED).values_list(
        "last_error", flat=True)) == {"Not sent: the send was stopped."}


def test_cancelled_counts_are_not_final_while_a_batch_still_holds_a_message(sender, settings):
    task = running_send(sender, settings, sent=2)
    batch = Batch.objects.filter(task=task).first()
    Batch.objects.filter(id=batch.id).update(
        state=Batch.RUNNING, owner="worker", lease_expires=timezone.now() + timedelta(minutes=1))

    task = api.cancel_send(task)
    assert not api.counts_are_final(task)

    Batch.objects.filter(id=batch.id).update(state=Batch.DONE)
    assert api.counts_are_final(task)


def test_counts_of_a_running_send_are_not_final_and_a_dead_workers_batch_does_not_hold_them(sender, settings):
    task = running_send(sender, settings, sent=2)
    assert not api.counts_are_final(task)
    Batch.objects.filter(task=task).update(
        state=Batch.RUNNING, owner="dead", lease_expires=timezone.now() - timedelta(minutes=1))

    task = api.cancel_send(task)

    assert api.counts_are_final(task)


def test_cancel_closes_the_batches_nobody_is_sending(sender, settings):
    task = running_send(sender, settings)

    api.cancel_send(task)

    assert set(Batch.objects.filter(task=task).values_list("state", flat=True)) == {Batch.DONE}


@pytest.mark.parametrize("state", [SendTask.SCHEDULED, SendTask.SUCCESS, SendTask.FAILURE, SendTask.REVOKED])
def test_cancel_of_a_send_that_is_not_running_says_its_state(sender, no_sending, state):
    task = scheduled(sender)
    SendTask.objects.filter(id=task.id).update(state=state)

    with pytest.raises(api.WrongState) as raised:
        api.cancel_send(task)

    assert raised.value.state == state


def test_counts_come_live_from_the_ledger_while_running(sender, settings):
    task = running_send(sender, settings, sent=2)
    refused = Delivery.objects.filter(task=task, status=Delivery.QUEUED).order_by("id").first()
    Delivery.objects.filter(id=refused.id).update(status=Delivery.FAILED)

    assert api.counts(task) == {"total": 6, "sent": 2, "failed": 1, "skipped": 0, "suppressed": 0, "cancelled": 0}


def test_live_counts_take_one_query(sender, settings, django_assert_num_queries):
    task = running_send(sender, settings)

    with django_assert_num_queries(1):
        api.counts(task)


def test_counts_of_a_finished_send_are_the_frozen_ones(sender, settings, django_assert_num_queries):
    task = running_send(sender, settings, sent=6)
    progress.settle(task.id)
    task.refresh_from_db()
    Delivery.objects.filter(task=task).delete()

    with django_assert_num_queries(0):
        assert api.counts(task) == {"total": 6, "sent": 6, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
