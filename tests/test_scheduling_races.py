"""
Dispatchers, edits and revocations racing for the same scheduled send, on a real database
with real threads: a send starts once, and an edit or a revocation either wins whole or
changes nothing.
"""
import threading
from collections import Counter
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from openedx_bulkmail_plugin import api, scheduling
from openedx_bulkmail_plugin.models import CourseEmail, SendTask
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


def scheduled_send(subject, due=None):
    email = CourseEmail.objects.create(
        course_id=factories.COURSE_KEY, subject=subject, html_message=f"<p>{subject}</p>", targets=["learners"])
    return SendTask.objects.create(
        email=email, state=SendTask.SCHEDULED, due=due or timezone.now() - timedelta(seconds=1))


def run_together(*actions):
    """
    Run each action in its own thread, all released at once; return what each returned or raised.

    Each thread has its own database connection, as two workers would.
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # pylint: disable=broad-except
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def meeting_before(function, barriers):
    """
    ``function(task_id, ...)`` that first waits at ``barriers[task_id]`` for the other racer.

    Both racers have then decided to act on the same scheduled send, and only the
    database can decide between them.
    """
    def wait_then_call(task_id, *args, **kwargs):
        barriers[task_id].wait(timeout=60)
        return function(task_id, *args, **kwargs)
    return wait_then_call


def meeting_after(function, barrier):
    """``function`` that, once done, waits at ``barrier`` for the other racer."""
    def call_then_wait(*args, **kwargs):
        result = function(*args, **kwargs)
        barrier.wait(timeout=60)
        return result
    return call_then_wait


def subjects_received(smtp_server):
    return Counter((recipient, message["Subject"]) for recipient, message in smtp_server.messages)


@pytest.fixture
def learners(smtp_settings):  # pylint: disable=unused-argument
    factories.course()
    return [factories.learner(), factories.learner()]


@pytest.fixture
def editor():
    return factories.user(is_staff=True)


def test_dispatcher_command_and_check_tasks_racing_start_each_send_once(learners, smtp_settings):
    tasks = [scheduled_send(f"Race {number}") for number in range(ROUNDS)]
    barriers = {task.pk: threading.Barrier(2) for task in tasks}
    command_output = StringIO()
    with mock.patch.object(scheduling, "start_scheduled", meeting_before(scheduling.start_scheduled, barriers)):
        outcomes = run_together(
            lambda: call_command("bulkmail_dispatch_due", stdout=command_output),
            *[lambda task=task: scheduling.watch_schedule(task.pk, task.due.isoformat()) for task in tasks],
        )
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    started_by_checks = outcomes[1:].count("started")
    started_by_command = int(command_output.getvalue().split()[1])
    assert started_by_checks + started_by_command == ROUNDS
    smtp_settings.wait_for(len(learners) * ROUNDS, timeout=60)
    expected = Counter({(person.email, f"Race {number}"): 1 for person in learners for number in range(ROUNDS)})
    assert subjects_received(smtp_settings) == expected


def test_two_sweeps_racing_start_each_send_once(learners, smtp_settings):
    tasks = [scheduled_send(f"Sweep {number}") for number in range(ROUNDS)]
    barriers = {task.pk: threading.Barrier(2) for task in tasks}
    with mock.patch.object(scheduling, "start_scheduled", meeting_before(scheduling.start_scheduled, barriers)):
        outcomes = run_together(scheduling.dispatch_due, scheduling.dispatch_due)
    assert sum(outcomes) == ROUNDS
    smtp_settings.wait_for(len(learners) * ROUNDS, timeout=60)
    expected = Counter({(person.email, f"Sweep {number}"): 1 for person in learners for number in range(ROUNDS)})
    assert subjects_received(smtp_settings) == expected


def test_edit_racing_dispatch_is_sent_whole_or_refused_whole(learners, editor, smtp_settings):
    for number in range(ROUNDS):
        task = scheduled_send(f"Original {number}")
        barrier = threading.Barrier(2)

        def edit(task=task, number=number):
            return scheduling.edit_scheduled(task, editor, subject=f"Edited {number}", body=f"<p>Edited {number}</p>")

        # The edit is validated and about to write while the sweep is about to start the send.
        validated_then_meet = meeting_after(scheduling._validated_changes, barrier)  # pylint: disable=protected-access
        start_then_meet = meeting_before(scheduling.start_scheduled, {task.pk: barrier})
        with mock.patch.object(scheduling, "start_scheduled", start_then_meet), \
                mock.patch.object(scheduling, "_validated_changes", validated_then_meet):
            edited_or_refused, _started = run_together(edit, scheduling.dispatch_due)
        scheduling.dispatch_due()
        assert not isinstance(edited_or_refused, Exception) or isinstance(edited_or_refused, api.WrongState)
        version = "Original" if isinstance(edited_or_refused, api.WrongState) else "Edited"
        email = CourseEmail.objects.get(pk=task.email_id)
        assert (email.subject, email.html_message) == (f"{version} {number}", f"<p>{version} {number}</p>")
        smtp_settings.wait_for(len(learners) * (number + 1), timeout=60)
        received = {subject for (_to, subject) in subjects_received(smtp_settings) if subject.endswith(f" {number}")}
        assert received == {f"{version} {number}"}


def test_dispatch_arriving_during_an_edit_waits_and_sends_the_edited_email(learners, editor, smtp_settings):
    task = scheduled_send("Original")
    dispatcher = {}

    def dispatch_in_its_own_thread():
        try:
            dispatcher["started"] = scheduling.dispatch_due()
        finally:
            connection.close()

    def start_dispatcher_before_the_email_is_written(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE") and CourseEmail._meta.db_table in sql and not dispatcher:
            dispatcher["thread"] = threading.Thread(target=dispatch_in_its_own_thread)
            dispatcher["thread"].start()
            # The edit already holds the send's row: the dispatcher must wait for its commit.
            dispatcher["thread"].join(timeout=2)
            dispatcher["blocked"] = dispatcher["thread"].is_alive()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(start_dispatcher_before_the_email_is_written):
        scheduling.edit_scheduled(task, editor, subject="Edited", body="<p>Edited</p>")
    dispatcher["thread"].join(timeout=60)
    assert dispatcher["blocked"]
    scheduling.dispatch_due()
    smtp_settings.wait_for(len(learners), timeout=60)
    assert subjects_received(smtp_settings) == Counter({(person.email, "Edited"): 1 for person in learners})


def test_revoke_racing_dispatch_either_sends_once_or_never(learners, smtp_settings):
    revoked = 0
    for number in range(ROUNDS):
        task = scheduled_send(f"Maybe {number}")
        barrier = threading.Barrier(2)

        def revoke(task=task, barrier=barrier):
            barrier.wait(timeout=60)
            return scheduling.revoke_scheduled(task)

        start_then_meet = meeting_before(scheduling.start_scheduled, {task.pk: barrier})
        with mock.patch.object(scheduling, "start_scheduled", start_then_meet):
            revoked_or_refused, started = run_together(revoke, scheduling.dispatch_due)
        state = SendTask.objects.get(pk=task.pk).state
        if isinstance(revoked_or_refused, api.WrongState):
            assert started == 1
            assert revoked_or_refused.state in SendTask.RUNNING_STATES + (SendTask.SUCCESS,)
            assert state != SendTask.REVOKED
        else:
            assert (revoked_or_refused.state, started, state) == (SendTask.REVOKED, 0, SendTask.REVOKED)
            revoked += 1
    sent_rounds = ROUNDS - revoked
    smtp_settings.wait_for(len(learners) * sent_rounds, timeout=60)
    assert set(subjects_received(smtp_settings).values()) <= {1}
    assert len(subjects_received(smtp_settings)) == len(learners) * sent_rounds
