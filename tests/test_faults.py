"""
Sends that meet trouble, with real parts: a mail server that answers 4xx or 5xx, drops the
connection or refuses the sender, and a worker killed with SIGKILL in the middle of a send.
"""
from collections import Counter

import pytest

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from tests import factories
from tests.live import TEST_QUEUE
from tests.sending_support import finished, instructor, many_learners, send_to_learners, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAST = {
    "BULKMAIL_BATCH_SIZE": 20, "BULKMAIL_BATCH_LEASE_SECONDS": 5, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 2,
    "BULKMAIL_RETRY_BACKOFF_SECONDS": 0.2, "BULKMAIL_RETRY_BACKOFF_MAX_SECONDS": 1,
    "BULKMAIL_CONCURRENT_CONNECTIONS": 4, "BULKMAIL_MARK_EVERY_MESSAGES": 10,
}
# The stated bound on duplicates when a worker process dies: its messages in flight, and
# those accepted but not yet written to the ledger.
DUPLICATES_PER_KILLED_PROCESS = FAST["BULKMAIL_CONCURRENT_CONNECTIONS"] + FAST["BULKMAIL_MARK_EVERY_MESSAGES"]


@pytest.fixture
def learners():
    factories.course()
    people = many_learners(100)
    return people, instructor()


@pytest.mark.parametrize("reply", ["421 4.7.0 Too busy, try again later", "451 4.3.0 Temporary failure"])
def test_temporary_failures_for_a_while_then_everyone_once(start_worker, smtp_server, learners, reply):
    people, sender = learners
    smtp_server.temporary_reply = reply
    smtp_server.temporary_failures = 3
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert Counter(smtp_server.recipients()) == Counter({person.email: 1 for person in people})
    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 100, "sent": 100, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}


def test_temporary_failure_is_recorded_on_the_row_that_met_it(start_worker, smtp_server, learners):
    _people, sender = learners
    smtp_server.temporary_failures = 1
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    # The one row that met the failure made two attempts; every other row sent at its first.
    retried = Delivery.objects.get(task=task, attempts=2)
    assert retried.status == Delivery.SENT
    assert "451 4.3.0" in retried.last_error
    assert set(Delivery.objects.filter(task=task).exclude(id=retried.id).values_list("attempts", flat=True)) == {1}


def test_refused_recipients_fail_with_the_server_reply_and_the_rest_are_delivered(
        start_worker, smtp_server, learners):
    people, sender = learners
    refused = {people[3].email, people[57].email}
    smtp_server.rcpt_replies = {address: "550 5.1.1 No such user here" for address in refused}
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert sorted(smtp_server.recipients()) == sorted(p.email for p in people if p.email not in refused)
    failed = Delivery.objects.filter(task=task, status=Delivery.FAILED).select_related("user")
    assert {row.user.email for row in failed} == refused
    assert all("550 5.1.1 No such user here" in row.last_error for row in failed)
    assert (task.state, api.counts(task)) == (
        SendTask.SUCCESS, {"total": 100, "sent": 98, "failed": 2, "skipped": 0, "suppressed": 0, "cancelled": 0})


def test_dropped_connection_mid_batch_reconnects_and_goes_on(start_worker, smtp_server, learners):
    people, sender = learners

    def drop_after_tenth(kept):
        if kept == 10:
            smtp_server.drops = 1

    smtp_server.on_message = drop_after_tenth
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert Counter(smtp_server.recipients()) == Counter({person.email: 1 for person in people})
    assert (task.state, task.sent) == (SendTask.SUCCESS, 100)


def test_refused_sender_fails_the_send_with_a_clear_reason(start_worker, smtp_server, learners, settings):
    _people, sender = learners
    smtp_server.sender_replies = {settings.BULK_EMAIL_DEFAULT_FROM_EMAIL: "530 5.7.0 Authentication required"}
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert task.state == SendTask.FAILURE
    assert "530 5.7.0 Authentication required" in task.failure_reason
    assert smtp_server.messages == []
    assert api.counts(task) == {"total": 100, "sent": 0, "failed": 100, "skipped": 0, "suppressed": 0, "cancelled": 0}


def test_killed_worker_send_is_completed_by_the_next_worker(start_worker, smtp_server):
    factories.course()
    people = many_learners(2000)
    first = start_worker(**FAST)
    task = send_to_learners(instructor())

    wait_until(lambda: len(smtp_server.messages) >= 300)
    first.kill()
    assert len(smtp_server.messages) < 2000  # killed in the middle of the send
    start_worker(**FAST)
    task = wait_until(finished(task), timeout=180)

    delivered = Counter(smtp_server.recipients())
    assert set(delivered) == {person.email for person in people}
    assert sum(delivered.values()) - len(delivered) <= 2 * DUPLICATES_PER_KILLED_PROCESS  # two processes killed
    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 2000, "sent": 2000, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
    assert not Batch.objects.filter(task=task).exclude(state=Batch.DONE).exists()


def test_send_completes_after_the_broker_lost_every_message(start_worker, smtp_server, redis_broker):
    factories.course()
    people = many_learners(400)

    lost = {}

    def lose_the_broker_at_hundredth(kept):
        if kept == 100:
            lost["messages"] = redis_broker.llen(TEST_QUEUE)
            redis_broker.flushdb()  # what a Redis restart without persistence leaves
            for client in redis_broker.client_list():
                if client["db"] == str(redis_broker.connection_pool.connection_kwargs.get("db", 0)):
                    redis_broker.client_kill_filter(_id=client["id"], skipme=True)

    smtp_server.on_message = lose_the_broker_at_hundredth
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(instructor())), timeout=180)

    assert lost["messages"] > 0
    assert Counter(smtp_server.recipients()) == Counter({person.email: 1 for person in people})
    assert (task.state, task.sent) == (SendTask.SUCCESS, 400)


def test_batch_taken_over_while_its_first_owner_waits_on_the_relay_still_mails_everyone(
        start_worker, smtp_server, learners):
    """
    The first owner's copy of a held message is accepted after a second worker took the
    batch over and sent that learner's copy too: the batch must still mail everyone else.
    """
    people, sender = learners
    held = people[4]
    smtp_server.holds = {held.email: [9, 5]}  # longer than the lease, then the takeover's copy
    takeover = {**FAST, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 1}
    start_worker(concurrency=2, **takeover)  # the second process is free to take the batch over

    task = wait_until(finished(send_to_learners(sender)), timeout=120)

    delivered = Counter(smtp_server.recipients())
    assert set(delivered) == {person.email for person in people}
    assert sum(delivered.values()) - len(delivered) <= 1  # the held learner's second copy at most
    assert task.state == SendTask.SUCCESS
    counts = api.counts(task)
    assert counts == {"total": 100, "sent": 100, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
    assert not Delivery.objects.filter(task=task, status=Delivery.QUEUED).exists()


def test_relay_that_closes_every_session_after_a_few_messages_gets_everyone_once(
        start_worker, smtp_server, learners):
    people, sender = learners
    smtp_server.messages_per_session = 7  # "421 Maximum message count per session", as SES answers
    start_worker(**FAST)

    task = wait_until(finished(send_to_learners(sender)))

    assert Counter(smtp_server.recipients()) == Counter({person.email: 1 for person in people})
    assert (task.state, task.sent, task.failed) == (SendTask.SUCCESS, 100, 0)
    assert smtp_server.connections_used() >= 100 // 7
