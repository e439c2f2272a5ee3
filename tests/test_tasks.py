"""
The sending tasks, run in-process (Celery eager), with a scripted mailer where a test needs
the mail server to answer something in particular.
"""
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from devsite.student.models import CourseEnrollment
from openedx_bulkmail_plugin import sweeper
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from openedx_bulkmail_plugin.sending import leases, progress, recovery, tasks
from openedx_bulkmail_plugin.sending.mailer import (
    RecipientRefused,
    RecipientSkipped,
    SendingMisconfigured,
    TemporaryFailure,
)
from tests import factories
from tests.engine_support import ledger_written, pending_send, statuses

pytestmark = pytest.mark.django_db


def test_start_writes_one_ledger_row_per_recipient(people, mailer):
    task = ledger_written(pending_send())

    assert set(Delivery.objects.filter(task=task).values_list("user_id", flat=True)) == {p.id for p in people}
    assert task.total == 10


def test_start_cuts_the_ledger_into_batches_by_id_range(people, mailer):
    task = ledger_written(pending_send())

    ids = list(Delivery.objects.filter(task=task).order_by("id").values_list("id", flat=True))
    ranges = list(Batch.objects.filter(task=task).order_by("id").values_list("first_delivery_id", "last_delivery_id"))
    assert ranges == [(ids[0], ids[3]), (ids[4], ids[7]), (ids[8], ids[9])]


def test_redelivered_start_writes_nothing_twice(people, mailer):
    task = pending_send()
    tasks.start_send(task.id)
    tasks.start_send(task.id)

    assert Delivery.objects.filter(task=task).count() == 10
    assert Batch.objects.filter(task=task).count() == 3
    assert len(mailer.accepted) == 10


def test_start_after_a_crash_before_the_ledger_writes_it(people, mailer):
    task = pending_send()
    progress.begin(task.id)  # the first start died right after saying STARTED

    tasks.start_send(task.id)

    task.refresh_from_db()
    assert (task.state, task.sent) == (SendTask.SUCCESS, 10)


def test_whole_send_ends_success_with_frozen_counts(people, mailer):
    task = pending_send()
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert task.state == SendTask.SUCCESS
    assert (task.total, task.sent, task.failed, task.skipped) == (10, 10, 0, 0)
    assert task.finished_at is not None


def test_selection_empty_by_the_start_succeeds_with_total_zero(people, mailer):
    task = pending_send()
    CourseEnrollment.objects.update(is_active=False)

    tasks.start_send(task.id)

    task.refresh_from_db()
    assert (task.state, task.total) == (SendTask.SUCCESS, 0)


def test_group_gone_by_the_start_fails_the_send_with_the_reason(people, mailer):
    task = pending_send(targets=["cohort:Gone"])

    tasks.start_send(task.id)

    task.refresh_from_db()
    assert task.state == SendTask.FAILURE
    assert "cohort:Gone" in task.failure_reason


def test_second_delivery_of_a_batch_message_sends_nothing(people, mailer):
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).first()

    tasks.send_batch(batch.id)
    tasks.send_batch(batch.id)

    assert len(mailer.accepted) == 4


def test_batch_held_on_a_live_lease_is_not_claimed_by_another_worker(people):
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).first()
    assert leases.claim(batch.id, "worker-a")

    assert leases.claim(batch.id, "worker-b") is None


def test_batch_whose_lease_expired_is_claimed_again(people):
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).first()
    leases.claim(batch.id, "dead-worker")
    Batch.objects.filter(id=batch.id).update(lease_expires=timezone.now() - timedelta(seconds=1))

    assert leases.claim(batch.id, "worker-b").owner == "worker-b"


def test_taken_over_batch_stops_its_old_worker(people, mailer):
    task = ledger_written(pending_send())
    batch = leases.claim(Batch.objects.filter(task=task).first().id, "old-worker")
    Batch.objects.filter(id=batch.id).update(owner="new-worker")

    assert leases.renew(batch) is False


def test_opted_out_learner_gets_nothing_from_next_batch(people, mailer):
    task = ledger_written(pending_send())
    factories.opt_out(people[9])

    for batch in Batch.objects.filter(task=task):
        tasks.send_batch(batch.id)

    assert people[9].email not in mailer.accepted
    assert statuses(task)[people[9].email] == Delivery.SKIPPED


def test_refused_recipient_is_failed_with_the_reply_and_the_rest_sent(people, mailer):
    mailer.outcomes = {people[1].email: RecipientRefused("550 5.1.1 No such user")}
    task = pending_send()

    tasks.start_send(task.id)

    row = Delivery.objects.get(task=task, user=people[1])
    assert (row.status, row.last_error, row.attempts) == (Delivery.FAILED, "550 5.1.1 No such user", 1)
    assert len(mailer.accepted) == 9


def test_recipient_the_policy_skips_is_marked_skipped(people, mailer):
    mailer.outcomes = {people[2].email: RecipientSkipped("opted out")}
    task = pending_send()

    tasks.start_send(task.id)

    assert statuses(task)[people[2].email] == Delivery.SKIPPED


def test_unexpected_error_for_one_learner_fails_that_row_and_the_rest_are_sent(people, mailer):
    mailer.outcomes = {people[6].email: UnicodeEncodeError("ascii", "é", 0, 1, "odd address")}
    task = pending_send()

    tasks.start_send(task.id)

    row = Delivery.objects.get(task=task, user=people[6])
    assert row.status == Delivery.FAILED
    assert "odd address" in row.last_error
    assert len(mailer.accepted) == 9


def test_row_of_an_account_deleted_after_the_ledger_was_written_is_skipped_and_the_send_ends(people, mailer):
    task = ledger_written(pending_send())
    row = Delivery.objects.filter(task=task).order_by("id").first()
    # What an account deleted while its range was written leaves: the ledger has no constraint on accounts.
    Delivery.objects.filter(id=row.id).update(user_id=max(p.id for p in people) + 1000)

    for batch in Batch.objects.filter(task=task):
        tasks.send_batch(batch.id)

    row.refresh_from_db()
    task.refresh_from_db()
    assert (row.status, row.last_error) == (Delivery.SKIPPED, "The learner's account no longer exists.")
    assert (task.state, task.sent, task.skipped) == (SendTask.SUCCESS, 9, 1)


def test_deleting_an_account_deletes_its_ledger_rows(people, mailer):
    task = ledger_written(pending_send())

    people[0].delete()

    assert not Delivery.objects.filter(user_id=people[0].id).exists()
    assert Delivery.objects.filter(task=task).count() == 9


def test_temporary_failure_hands_the_batch_back_with_a_backoff(people, mailer, settings):
    settings.BULKMAIL_RETRY_BACKOFF_SECONDS = 60
    mailer.outcomes = {people[1].email: TemporaryFailure("451 4.3.0 Try later")}
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).order_by("id").first()

    tasks.send_batch(batch.id)

    batch.refresh_from_db()
    assert (batch.state, batch.attempts, batch.owner) == (Batch.PENDING, 1, "")
    assert batch.not_before > timezone.now() + timedelta(seconds=20)
    row = Delivery.objects.get(task=task, user=people[1])
    assert (row.status, row.attempts, row.last_error) == (Delivery.QUEUED, 1, "451 4.3.0 Try later")


def test_batch_retried_after_a_temporary_failure_sends_only_the_rest(people, mailer):
    mailer.outcomes = {people[1].email: [TemporaryFailure("451 4.3.0 Try later")]}
    task = pending_send()

    tasks.start_send(task.id)

    assert sorted(mailer.accepted) == sorted(p.email for p in people)
    task.refresh_from_db()
    assert (task.state, task.sent) == (SendTask.SUCCESS, 10)
    # Every sent row made at least one attempt; the retried one made two.
    assert Delivery.objects.get(task=task, user=people[1]).attempts == 2
    assert set(Delivery.objects.filter(task=task).exclude(user=people[1]).values_list("attempts", flat=True)) == {1}


def test_batch_gives_up_after_the_last_attempt_with_the_last_reply(people, mailer, settings):
    settings.BULKMAIL_RETRY_MAX_ATTEMPTS = 3
    mailer.outcomes = {people[0].email: [TemporaryFailure(f"451 try {n}") for n in range(1, 4)]}
    task = pending_send()

    tasks.start_send(task.id)

    first_batch = Delivery.objects.filter(task=task, user__in=people[:4])
    assert set(first_batch.values_list("status", "last_error")) == {(Delivery.FAILED, "451 try 3")}
    task.refresh_from_db()
    assert (task.state, task.sent, task.failed) == (SendTask.SUCCESS, 6, 4)


def test_misconfigured_site_fails_the_send_with_the_reason(people, mailer):
    mailer.outcomes = {people[5].email: SendingMisconfigured("The mail server refused our password.")}
    task = pending_send()

    tasks.start_send(task.id)

    task.refresh_from_db()
    assert task.state == SendTask.FAILURE
    assert task.failure_reason == "The mail server refused our password."
    assert (task.sent, task.failed) == (5, 5)
    assert not Batch.objects.filter(task=task).exclude(state=Batch.DONE).exists()


def test_backoff_doubles_and_stays_under_the_cap(settings):
    settings.BULKMAIL_RETRY_BACKOFF_SECONDS = 10
    settings.BULKMAIL_RETRY_BACKOFF_MAX_SECONDS = 60

    assert 5 <= leases.backoff_seconds(1) <= 10
    assert 10 <= leases.backoff_seconds(2) <= 20
    assert 30 <= leases.backoff_seconds(10) <= 60


def test_sweep_queues_again_a_batch_whose_lease_expired(people):
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).first()
    leases.claim(batch.id, "dead-worker")
    Batch.objects.filter(id=batch.id).update(lease_expires=timezone.now() - timedelta(seconds=1))
    queued = []

    recovery.requeue_expired(timezone.now(), queued.append)

    assert batch.id in queued
    assert Batch.objects.get(id=batch.id).state == Batch.PENDING


def test_sweep_leaves_a_batch_on_a_live_lease_alone(people):
    task = ledger_written(pending_send())
    batch = Batch.objects.filter(task=task).first()
    leases.claim(batch.id, "busy-worker")
    queued = []

    recovery.requeue_expired(timezone.now(), queued.append)
    recovery.requeue_lost(timezone.now(), timezone.now() + timedelta(hours=1), queued.append)

    assert batch.id not in queued


def test_sweep_queues_again_the_batches_of_a_send_that_stalled(people):
    task = ledger_written(pending_send())
    queued = []

    recovery.requeue_lost(timezone.now(), timezone.now() + timedelta(seconds=1), queued.append)
    recovery.requeue_lost(timezone.now(), timezone.now() - timedelta(seconds=60), queued.append)

    assert sorted(queued) == sorted(Batch.objects.filter(task=task).values_list("id", flat=True))


def test_sweep_restarts_a_send_whose_start_message_was_lost(people):
    task = pending_send()
    SendTask.objects.filter(id=task.id).update(created=timezone.now() - timedelta(minutes=5))
    restarted = []

    recovery.restart_stuck(timezone.now(), timezone.now() - timedelta(minutes=1), timezone.now(), restarted.append)

    assert restarted == [task.id]


def test_sweep_runs_due_scheduled_sends(people, monkeypatch):
    monkeypatch.setattr("openedx_bulkmail_plugin.scheduling.dispatch_due", lambda now=None: 1)

    assert sweeper.sweep()["scheduled"] == 1


def test_sweep_also_queues_again_the_pending_batches_of_a_dead_workers_send(people):
    task = ledger_written(pending_send())
    first, *others = Batch.objects.filter(task=task).order_by("id")
    leases.claim(first.id, "dead-worker")
    Batch.objects.filter(id=first.id).update(lease_expires=timezone.now() - timedelta(seconds=1))
    queued = []

    recovery.requeue_expired(timezone.now(), queued.append)

    assert sorted(queued) == sorted([first.id] + [batch.id for batch in others])


def test_sweeper_is_off_when_its_interval_is_zero(settings):
    settings.BULKMAIL_SWEEP_INTERVAL_SECONDS = 0

    assert sweeper.start_sweeper(sender=None) is None


def test_sweeper_thread_goes_on_after_a_failed_sweep(monkeypatch):
    stop = threading.Event()
    sweeps = []

    def failing_then_stopping():
        sweeps.append(1)
        if len(sweeps) == 1:
            raise RuntimeError("database went away")
        stop.set()

    monkeypatch.setattr(sweeper, "sweep", failing_then_stopping)
    sweeper._sweep_forever(None, 0.01, stop)  # pylint: disable=protected-access

    assert len(sweeps) == 2
