"""
Drafts in the Python API: saved unfinished, edited against a version, never picked up by
the engine, the sweep or the scheduler, and sent or scheduled once, checked as a new email.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin import api, scheduling, sweeper
from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.sending import progress, tasks
from tests import factories
from tests.sending_support import instructor, many_learners

pytestmark = pytest.mark.django_db
KEY = factories.COURSE_KEY


@pytest.fixture
def author():
    factories.course()
    many_learners(3)
    return instructor()


@pytest.fixture
def colleague():
    person = factories.user(username="colette", name="Colette Colleague")
    factories.grant(person, "staff")
    return person


@pytest.fixture
def starts(monkeypatch):
    """Start messages are recorded, not run."""
    queued = []
    monkeypatch.setattr(tasks, "enqueue_start", queued.append)
    return queued


def draft(author, **content):
    return api.save_draft(KEY, author, **{"subject": "Week 3", "body": "<p>Hi</p>", "targets": ["learners"],
                                          **content})


def test_a_saved_draft_is_in_state_draft_at_version_1_by_its_author(author):
    email = draft(author)

    assert (email.send_task.state, email.version, email.modified_by, email.sender) == (
        SendTask.DRAFT, 1, author, author)


def test_a_draft_keeps_a_selection_that_could_not_be_sent(author):
    email = draft(author, subject="", targets=["cohort:Nobody"], individuals=[" ghost ", "ghost", "ada"],
                  filters={"grade_below": "lots"})

    email.refresh_from_db()
    assert (email.subject, email.targets, email.individuals, email.filters) == (
        "", ["cohort:Nobody"], ["ghost", "ada"], {"grade_below": "lots"})


@pytest.mark.parametrize("content, field", [
    ({"subject": "x" * 256}, "subject"),
    ({"subject": "Two\nlines"}, "subject"),
    ({"filters": ["passed"]}, "filters"),
    ({"individuals": "ada"}, "individuals"),
    ({"targets": "learners"}, "targets"),
])
def test_a_draft_that_cannot_be_kept_is_refused_naming_the_field(author, content, field):
    with pytest.raises(api.EmailInvalid) as refused:
        draft(author, **content)

    assert set(refused.value.errors) == {field}
    assert not CourseEmail.objects.exists()


def test_a_body_over_the_size_limit_is_refused_even_in_a_draft(author, settings):
    settings.BULKMAIL_MAX_BODY_BYTES = 10

    with pytest.raises(api.EmailInvalid) as refused:
        draft(author, body="<p>" + "x" * 20 + "</p>")

    assert set(refused.value.errors) == {"body"}


def test_an_edit_from_the_current_version_is_saved_and_names_its_editor(author, colleague):
    email = draft(author)

    api.edit_draft(email, colleague, 1, subject="Week 3: quiz", individuals=["ada"])

    email.refresh_from_db()
    assert (email.subject, email.individuals, email.html_message) == ("Week 3: quiz", ["ada"], "<p>Hi</p>")
    assert (email.version, email.modified_by) == (2, colleague)


def test_an_edit_from_an_older_version_is_refused_and_changes_nothing(author, colleague):
    email = draft(author)
    api.edit_draft(email, colleague, 1, subject="Colette's subject")

    with pytest.raises(api.DraftConflict) as refused:
        api.edit_draft(email, author, 1, subject="Ines's subject")

    assert (refused.value.version, refused.value.modified_by) == (2, colleague)
    assert "changed by Colette Colleague at" in str(refused.value)
    assert "reload" in str(refused.value)
    email.refresh_from_db()
    assert email.subject == "Colette's subject"


def test_a_deleted_draft_leaves_nothing_behind(author):
    email = draft(author)

    api.delete_draft(email)

    assert not CourseEmail.objects.exists()
    assert not SendTask.objects.exists()


def test_sending_a_draft_queues_it_once_as_an_ordinary_send(author, starts, django_capture_on_commit_callbacks):
    email = draft(author)

    with django_capture_on_commit_callbacks(execute=True):
        task = api.send_draft(email, author, version=1)
    with pytest.raises(api.WrongState) as again:
        api.send_draft(CourseEmail.objects.get(pk=email.pk), author)

    assert task.state == SendTask.QUEUING
    assert starts == [task.id]
    assert again.value.state in (SendTask.QUEUING, SendTask.PENDING)


def test_a_sent_draft_is_dated_when_it_was_sent(author, starts):  # pylint: disable=unused-argument
    email = draft(author)
    CourseEmail.objects.filter(pk=email.pk).update(created=timezone.now() - timedelta(days=5))
    SendTask.objects.filter(email=email).update(created=timezone.now() - timedelta(days=5))
    email.refresh_from_db()

    task = api.send_draft(email, author)

    email.refresh_from_db()
    a_day_ago = timezone.now() - timedelta(days=1)
    assert email.created > a_day_ago
    assert task.created > a_day_ago


def test_sending_a_draft_with_a_due_time_schedules_it(author, starts):
    email = draft(author)
    due = timezone.now() + timedelta(days=2)

    task = api.send_draft(email, author, schedule=due.isoformat())

    assert (task.state, task.due) == (SendTask.SCHEDULED, due)
    assert starts == []


def test_a_draft_is_checked_in_full_when_sent_and_stays_a_draft_if_wrong(author, starts):
    email = draft(author, subject="", individuals=["ghost"])

    with pytest.raises(api.EmailInvalid) as refused:
        api.send_draft(email, author, schedule="yesterday")

    assert {"subject", "individuals", "not_found", "schedule"} <= set(refused.value.errors)
    assert SendTask.objects.get(email=email).state == SendTask.DRAFT
    assert starts == []


def test_a_draft_whose_selection_reaches_nobody_is_not_sent(author, starts):
    email = draft(author, targets=["learners"], filters={"passed": True})

    with pytest.raises(api.EmailInvalid) as refused:
        api.send_draft(email, author)

    assert set(refused.value.errors) == {"targets"}
    assert SendTask.objects.get(email=email).state == SendTask.DRAFT


def test_sending_resolves_the_named_learners_as_typed(author, starts):  # pylint: disable=unused-argument
    email = draft(author, targets=[], individuals=["LEARNER1@example.com"])

    api.send_draft(email, author)

    email.refresh_from_db()
    assert email.individuals == ["learner1"]


def test_sending_a_copy_older_than_the_draft_is_refused(author, colleague, starts):
    email = draft(author)
    stale = CourseEmail.objects.get(pk=email.pk)
    api.edit_draft(email, colleague, 1, subject="Changed")

    with pytest.raises(api.DraftConflict):
        api.send_draft(stale, author, version=1)
    with pytest.raises(api.DraftConflict):
        api.send_draft(stale, author)

    assert SendTask.objects.get(email=email).state == SendTask.DRAFT
    assert starts == []


def test_a_sent_draft_can_no_longer_be_edited_or_deleted(author, starts):  # pylint: disable=unused-argument
    email = draft(author)
    api.send_draft(email, author)
    email.refresh_from_db()

    with pytest.raises(api.WrongState):
        api.edit_draft(email, author, email.version, subject="Too late")
    with pytest.raises(api.WrongState):
        api.delete_draft(email)


# The engine, the sweep and the scheduler never touch a draft


def test_the_sweep_never_sends_an_old_draft(author, starts, monkeypatch):
    email = draft(author)
    long_ago = timezone.now() - timedelta(days=30)
    SendTask.objects.filter(email=email).update(created=long_ago, due=long_ago)
    batches = []
    monkeypatch.setattr(tasks, "enqueue_batch", lambda *args, **kwargs: batches.append(args))

    found = sweeper.sweep()
    sweeper.sweep(now=timezone.now() + timedelta(hours=2))

    assert not any(found.values())
    assert (starts, batches) == ([], [])
    assert SendTask.objects.get(email=email).state == SendTask.DRAFT
    assert not Delivery.objects.exists()


def test_the_scheduler_does_not_start_a_draft_with_a_due_time(author, starts):
    email = draft(author)
    SendTask.objects.filter(email=email).update(due=timezone.now() - timedelta(minutes=1))

    assert scheduling.dispatch_due() == 0
    assert scheduling.start_scheduled(email.send_task.id) is False
    assert scheduling.watch_schedule(email.send_task.id) == "stopped"
    assert starts == []


def test_a_start_message_for_a_draft_writes_no_ledger(author):
    email = draft(author)

    tasks.start_send(email.send_task.id)

    assert SendTask.objects.get(email=email).state == SendTask.DRAFT
    assert not Delivery.objects.exists()
    assert progress.revoke(email.send_task.id) is False


def test_editing_a_draft_a_colleague_deleted_meanwhile_says_it_is_gone(author):
    email = draft(author)
    CourseEmail.objects.filter(pk=email.pk).delete()

    with pytest.raises(api.WrongState) as refused:
        api.edit_draft(email, author, 1, subject="Too late")

    assert refused.value.state is None
