"""
The whole sending path with real parts: a Celery worker process on Redis and an SMTP server.

The test process creates sends through the API and watches the database and the mailbox;
the worker does everything else, as an LMS worker would.
"""
import threading
from collections import Counter

import pytest
from django.db import connections

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.sending import progress, tasks
from tests import factories
from tests.live import TEST_QUEUE
from tests.sending_support import finished, instructor, many_learners, send_to_learners, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAST = {
    "BULKMAIL_BATCH_SIZE": 20, "BULKMAIL_BATCH_LEASE_SECONDS": 5, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 2,
    "BULKMAIL_CONCURRENT_CONNECTIONS": 4, "BULKMAIL_MARK_EVERY_MESSAGES": 5,
}
# What a worker process may still send once a send is cancelled: its messages in flight,
# and those it hands out before its next grouped mark reveals the cancel.
AFTER_CANCEL_PER_PROCESS = FAST["BULKMAIL_CONCURRENT_CONNECTIONS"] + FAST["BULKMAIL_MARK_EVERY_MESSAGES"]


def in_own_thread(work):
    """
    Run database work from the mail server's callback, which runs inside its event loop.

    Django refuses ORM calls from an event loop's thread, so the work gets a thread (and a
    connection) of its own; the server's reply waits for it.
    """
    result = {}

    def run():
        try:
            result["value"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result.get("value")


@pytest.fixture
def course_with_learners():
    def build(count):
        factories.course()
        learners = many_learners(count)
        return learners, instructor()
    return build


def test_every_learner_gets_exactly_one_personalised_message(start_worker, smtp_server, course_with_learners):
    learners, sender = course_with_learners(120)
    start_worker(**FAST)

    wait_until(finished(send_to_learners(sender)))

    assert sorted(smtp_server.recipients()) == sorted(learner.email for learner in learners)
    recipient, message = smtp_server.messages[0]
    learner = next(person for person in learners if person.email == recipient)
    assert f"Hello Learner {learner.username}" in message.get_body(("plain",)).get_content()


def test_every_message_carries_one_click_unsubscribe_headers(start_worker, smtp_server, course_with_learners):
    course_with_learners(30)
    start_worker(**FAST)

    wait_until(finished(send_to_learners(instructor_of_course())))

    for _recipient, message in smtp_server.messages:
        assert message["List-Unsubscribe"].strip().startswith("<http")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def instructor_of_course():
    from django.contrib.auth import get_user_model  # pylint: disable=import-outside-toplevel

    return get_user_model().objects.get(username="instructor")


def test_finished_send_says_success_with_counts_matching_the_mailbox(start_worker, smtp_server, course_with_learners):
    course_with_learners(120)
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(instructor_of_course())))

    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 120, "sent": 120, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
    assert len(smtp_server.messages) == 120


def test_counts_move_while_the_send_runs(start_worker, smtp_server, course_with_learners):
    course_with_learners(200)
    seen = []
    task_holder = {}

    def look_at_counts(kept):
        if kept % 25 == 0 and "task" in task_holder:
            seen.append(in_own_thread(lambda: api.counts(SendTask.objects.get(id=task_holder["task"].id))["sent"]))

    smtp_server.on_message = look_at_counts
    start_worker(**FAST)

    task_holder["task"] = send_to_learners(instructor_of_course())
    wait_until(finished(task_holder["task"]))

    moving = [sent for sent in seen if 0 < sent < 200]
    assert len(set(moving)) >= 3, seen
    assert moving == sorted(moving)


def test_same_batch_message_delivered_twice_sends_no_duplicate(
        start_worker, smtp_server, course_with_learners, settings):
    learners, sender = course_with_learners(60)
    settings.BULKMAIL_BATCH_SIZE = 20
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=sender, subject="Twice",
                                       html_message="<p>Once</p>", targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.PENDING)
    progress.begin(task.id)
    tasks.write_ledger(task.id)
    batch_ids = list(Batch.objects.filter(task=task).values_list("id", flat=True))
    start_worker(**FAST)

    for batch_id in batch_ids + batch_ids:
        tasks.send_batch.apply_async((batch_id,), queue=TEST_QUEUE)
    wait_until(finished(task))

    assert Counter(smtp_server.recipients()) == Counter({learner.email: 1 for learner in learners})


@pytest.mark.parametrize("cancel_at", [40, 47], ids=["on-a-batch-boundary", "mid-batch"])
def test_cancel_mid_send_stops_the_mail_and_cancels_the_unsent(
        start_worker, smtp_server, course_with_learners, cancel_at):
    course_with_learners(300)
    task_holder = {}

    def cancel_at_chosen_message(kept):
        if kept == cancel_at:
            in_own_thread(lambda: api.cancel_send(SendTask.objects.get(id=task_holder["task"].id)))

    smtp_server.on_message = cancel_at_chosen_message
    start_worker(**FAST)

    task_holder["task"] = send_to_learners(instructor_of_course())
    task = wait_until(finished(task_holder["task"]))
    wait_until(lambda: not Batch.objects.filter(task=task).exclude(state=Batch.DONE).exists())
    task.refresh_from_db()

    assert task.state == SendTask.REVOKED
    assert len(smtp_server.messages) <= cancel_at + 2 * AFTER_CANCEL_PER_PROCESS  # two worker processes
    assert task.sent == len(smtp_server.messages)
    assert (task.cancelled, task.skipped) == (300 - task.sent, 0)
    assert Delivery.objects.filter(task=task, status=Delivery.QUEUED).count() == 0


def test_opted_out_learner_gets_nothing_from_next_batch(start_worker, smtp_server, course_with_learners):
    learners, sender = course_with_learners(60)
    last = learners[-1]

    def opt_out_last_learner(kept):
        if kept == 1:
            in_own_thread(lambda: factories.opt_out(last))

    smtp_server.on_message = opt_out_last_learner
    start_worker(concurrency=1, **FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert last.email not in smtp_server.recipients()
    assert Delivery.objects.get(task=task, user=last).status == Delivery.SKIPPED
    assert len(smtp_server.messages) == 59
