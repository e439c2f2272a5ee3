"""
The engine's promises under takeover, crashes and cancels.

Each test here was written against the engine before it kept the promise, and failed:
a batch taken over while its first owner still sends, a worker that dies between its last
batch and settling the send, a wait for the rate limit that outlasts the lease, a cancel
that lands while a recipient is being refused, and a sweep that finds a send stuck before
its start. (The end-to-end takeover on a real worker pair is in ``test_faults``.)
"""
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connections
from django.utils import timezone

from openedx_bulkmail_plugin import api, sweeper
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from openedx_bulkmail_plugin.sending import leases, ledger, tasks
from openedx_bulkmail_plugin.sending.batch import BatchSend
from openedx_bulkmail_plugin.sending.mailer import RecipientRefused
from openedx_bulkmail_plugin.sending.ratelimit import RateLimiter
from tests.engine_support import ledger_written, pending_send, statuses

pytestmark = pytest.mark.django_db(transaction=True)


def first_batch(task):
    return Batch.objects.filter(task=task).order_by("id").first()


def taken_over(batch, new_owner="new-worker"):
    """The batch's lease ran out and another worker claimed it."""
    Batch.objects.filter(id=batch.id).update(lease_expires=timezone.now() - timedelta(seconds=1))
    return leases.claim(batch.id, new_owner)


def claim_later(batch_id, after_seconds):
    """Try, from another thread and connection, to claim the batch after a while; returns a result box."""
    result = {}

    def try_to_claim():
        time.sleep(after_seconds)
        try:
            result["claimed"] = leases.claim(batch_id, "intruder") is not None
        finally:
            connections.close_all()

    thread = threading.Thread(target=try_to_claim, daemon=True)
    thread.start()
    result["thread"] = thread
    return result


def test_takeover_after_the_old_owner_marked_a_row_sends_the_rest_of_the_batch(people, mailer):
    task = ledger_written(pending_send())
    batch = leases.claim(first_batch(task).id, "old-worker")
    takeover = taken_over(batch)
    first_row = ledger.rows(batch).order_by("id").first()

    def old_owner_copy_accepted_first():
        ledger.mark_sent(first_row)  # the old owner's copy of the same message got through first

    mailer.outcomes = {first_row.user.email: old_owner_copy_accepted_first}
    outcome = BatchSend(takeover).run()

    assert outcome.finished
    assert sorted(mailer.accepted) == sorted(person.email for person in people[:4])
    assert set(statuses(task)[person.email] for person in people[:4]) == {Delivery.SENT}
    assert Batch.objects.get(id=batch.id).state == Batch.DONE


def test_old_owner_of_a_taken_over_batch_sends_nothing(people, mailer):
    task = ledger_written(pending_send())
    old = leases.claim(first_batch(task).id, "old-worker")
    taken_over(old)

    BatchSend(old).run()

    assert mailer.accepted == []
    batch = Batch.objects.get(id=old.id)
    assert (batch.state, batch.owner) == (Batch.RUNNING, "new-worker")
    assert set(statuses(task).values()) == {Delivery.QUEUED}


def test_sweep_settles_a_send_whose_worker_died_between_its_last_batch_and_settling(people, mailer):
    task = ledger_written(pending_send())
    for batch in Batch.objects.filter(task=task):
        BatchSend(leases.claim(batch.id, "worker")).run()  # every batch done; the settle never ran
    assert SendTask.objects.get(id=task.id).state == SendTask.PROGRESS

    sweeper.sweep()

    task.refresh_from_db()
    assert (task.state, task.total, task.sent) == (SendTask.SUCCESS, 10, 10)


def test_sweep_leaves_a_send_with_a_batch_still_running_alone(people, mailer):
    task = ledger_written(pending_send())
    *done, running = Batch.objects.filter(task=task).order_by("id")
    for batch in done:
        BatchSend(leases.claim(batch.id, "worker")).run()
    leases.claim(running.id, "busy-worker")

    sweeper.sweep()

    assert SendTask.objects.get(id=task.id).state == SendTask.PROGRESS


def test_wait_for_the_rate_limit_longer_than_the_lease_keeps_the_batch(people, smtp_settings, settings, monkeypatch):
    settings.BULKMAIL_BATCH_LEASE_SECONDS = 5
    started = time.monotonic()
    frozen_window = time.time()

    def clock():
        """The rate limit's window stays full for the first 7 seconds of real time, then moves on."""
        return frozen_window if time.monotonic() - started < 7 else time.time() + 10

    limiter = RateLimiter(1, caches["default"], clock=clock)
    monkeypatch.setattr(RateLimiter, "from_settings", classmethod(lambda cls, **fakes: limiter))
    task = ledger_written(pending_send())
    batch = leases.claim(first_batch(task).id, "patient-worker")
    intruder = claim_later(batch.id, after_seconds=6)

    BatchSend(batch).run()
    intruder["thread"].join()

    assert intruder["claimed"] is False
    assert sorted(smtp_settings.recipients()) == sorted(person.email for person in people[:4])


def test_cancel_while_a_recipient_is_refused_lets_no_further_message_out(people, mailer):
    task = ledger_written(pending_send())

    def cancelled_then_refused():
        api.cancel_send(SendTask.objects.get(id=task.id))
        return RecipientRefused("550 5.1.1 No such user")

    mailer.outcomes = {people[1].email: cancelled_then_refused}
    tasks.send_batch(first_batch(task).id)

    assert mailer.accepted == [people[0].email]
    task.refresh_from_db()
    assert task.state == SendTask.REVOKED
    assert [statuses(task)[person.email] for person in people[2:4]] == [Delivery.CANCELLED] * 2


def test_cancel_while_a_message_is_in_flight_stops_the_batch_once_it_is_marked(people, mailer, settings):
    settings.BULKMAIL_MARK_EVERY_MESSAGES = 1
    task = ledger_written(pending_send())

    def cancelled_while_accepted():
        api.cancel_send(SendTask.objects.get(id=task.id))

    mailer.outcomes = {people[1].email: cancelled_while_accepted}
    tasks.send_batch(first_batch(task).id)

    assert mailer.accepted == [people[0].email, people[1].email]
    assert statuses(task)[people[1].email] == Delivery.SENT  # it did leave: the ledger says so
    assert [statuses(task)[person.email] for person in people[2:4]] == [Delivery.CANCELLED] * 2
    task.refresh_from_db()
    assert (task.state, task.sent, task.skipped, task.cancelled) == (SendTask.REVOKED, 2, 0, 8)


def test_several_sweeps_queue_a_stuck_start_once(people, monkeypatch):
    stuck = pending_send()
    SendTask.objects.filter(id=stuck.id).update(created=timezone.now() - timedelta(minutes=10))
    restarted = []
    monkeypatch.setattr(tasks, "enqueue_start", restarted.append)

    for _ in range(3):
        sweeper.sweep()

    assert restarted == [stuck.id]


def test_several_sweeps_queue_a_send_stuck_in_started_once(people, monkeypatch):
    stuck = pending_send()
    SendTask.objects.filter(id=stuck.id).update(
        state=SendTask.STARTED, created=timezone.now() - timedelta(hours=1),
        started_at=timezone.now() - timedelta(hours=1))
    restarted = []
    monkeypatch.setattr(tasks, "enqueue_start", restarted.append)

    for _ in range(3):
        sweeper.sweep()

    assert restarted == [stuck.id]


def test_stuck_start_is_queued_again_once_a_lease_has_passed_since(people, monkeypatch, settings):
    settings.BULKMAIL_BATCH_LEASE_SECONDS = 5
    stuck = pending_send()
    SendTask.objects.filter(id=stuck.id).update(created=timezone.now() - timedelta(minutes=10))
    restarted = []
    monkeypatch.setattr(tasks, "enqueue_start", restarted.append)

    sweeper.sweep()
    sweeper.sweep(now=timezone.now() + timedelta(seconds=6))

    assert restarted == [stuck.id, stuck.id]
