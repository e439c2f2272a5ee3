"""
A large send's ledger is written in bounded transactions, by ranges of user ids,
resumable between them.
"""
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from openedx_bulkmail_plugin.sending import ledger, progress, ranges, recovery, tasks
from tests import factories
from tests.engine_support import failing_from_call, pending_send, stale_bounds_first

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(settings, people):
    """Ten learners, ledger chunks of four rows, batches of three."""
    settings.BULKMAIL_LEDGER_CHUNK_ROWS = 4
    settings.BULKMAIL_BATCH_SIZE = 3
    return people


def ledger_inserts(queries):
    return [q for q in queries if q["sql"].startswith("INSERT INTO") and Delivery._meta.db_table in q["sql"].split()[2]]


@pytest.fixture
def chunk_sizes(monkeypatch):
    """The rows each range of the ledger wrote, in the order written."""
    written = []
    real_write = ledger.write

    def counting_write(*args):
        written.append(real_write(*args))
        return written[-1]

    monkeypatch.setattr(ledger, "write", counting_write)
    return written


def test_ledger_is_written_in_chunks_of_at_most_the_configured_rows(small_chunks, mailer, chunk_sizes):
    task = pending_send()
    progress.begin(task.id)

    with CaptureQueriesContext(connection) as captured:
        assert tasks.write_ledger(task.id) is True

    assert len(ledger_inserts(captured.captured_queries)) == len(chunk_sizes) >= 3
    assert max(chunk_sizes) <= 4 and sum(chunk_sizes) == 10
    rows = list(Delivery.objects.filter(task=task).order_by("id").values_list("id", "user_id"))
    assert sorted(user for _id, user in rows) == sorted(person.id for person in small_chunks)
    batches = list(Batch.objects.filter(task=task).order_by("id").values_list("first_delivery_id", "last_delivery_id"))
    covered = [row_id for row_id, _user in rows if any(first <= row_id <= last for first, last in batches)]
    assert covered == [row_id for row_id, _user in rows]
    assert all(sum(first <= row_id <= last for row_id, _ in rows) <= 3 for first, last in batches)
    task.refresh_from_db()
    assert (task.state, task.total) == (SendTask.PROGRESS, 10)


def test_each_chunk_is_a_range_of_user_ids_not_a_sorted_prefix_of_the_query(small_chunks, mailer):
    task = pending_send()
    progress.begin(task.id)

    with CaptureQueriesContext(connection) as captured:
        tasks.write_ledger(task.id)

    inserts = ledger_inserts(captured.captured_queries)
    assert inserts and not any(re.search(r"ORDER BY recipient|LIMIT \d+$", query["sql"]) for query in inserts)
    rows = Delivery.objects.filter(task=task).order_by("id")
    assert list(rows.values_list("user_id", flat=True)) == sorted(person.id for person in small_chunks)


def test_each_range_narrows_the_enrollments_it_reads_too(small_chunks, mailer):
    task = pending_send(targets=("learners", "staff", "myself"))
    progress.begin(task.id)

    with CaptureQueriesContext(connection) as captured:
        tasks.write_ledger(task.id)

    inserts = ledger_inserts(captured.captured_queries)
    # Not only the users (auth_user.id) but the enrollments the learner groups read (user_id).
    assert all(re.search(r"user_id\W* > ", query["sql"]) for query in inserts)


def test_staff_and_myself_count_towards_the_bound_of_their_range(small_chunks, mailer, chunk_sizes):
    team = [factories.grant(factories.user(), "staff") for _ in range(5)]
    task = pending_send(targets=("learners", "staff", "myself"))
    progress.begin(task.id)

    assert tasks.write_ledger(task.id) is True

    assert max(chunk_sizes) <= 4
    task.refresh_from_db()
    assert task.total == 10 + len(team) + 1  # the learners, the team and the instructor who sends


def test_a_range_that_grew_past_a_chunk_is_rolled_back_and_cut_again(small_chunks, mailer, chunk_sizes, monkeypatch):
    task = pending_send()
    progress.begin(task.id)
    stale_bounds_first(monkeypatch)
    assert tasks.write_ledger(task.id) is True

    assert chunk_sizes[0] == 10 and max(chunk_sizes[1:]) <= 4  # the first was rolled back
    assert Delivery.objects.filter(task=task).count() == 10
    assert len(set(Delivery.objects.filter(task=task).values_list("user_id", flat=True))) == 10


def test_start_interrupted_between_chunks_is_finished_by_the_next_start_without_duplicates(
        small_chunks, mailer, monkeypatch):
    task = pending_send()
    real_chunk = failing_from_call(monkeypatch, ranges, "write_range", 2, RuntimeError("worker killed"))
    with pytest.raises(RuntimeError):
        tasks.start_send(task.id)
    assert (SendTask.objects.get(id=task.id).state, Delivery.objects.filter(task=task).count()) == (SendTask.STARTED, 4)

    monkeypatch.setattr(ranges, "write_range", real_chunk)
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert (task.state, task.total, task.sent) == (SendTask.SUCCESS, 10, 10)
    assert Counter(mailer.accepted) == Counter({person.email: 1 for person in small_chunks})


def test_cancel_between_chunks_stops_the_writing(small_chunks, mailer, monkeypatch):
    task = pending_send()
    real_chunk = ranges.write_range

    def cancelled_after_each_chunk(*args):
        written = real_chunk(*args)
        if SendTask.objects.get(id=task.id).state == SendTask.STARTED:
            api.cancel_send(SendTask.objects.get(id=task.id))
        return written

    monkeypatch.setattr(ranges, "write_range", cancelled_after_each_chunk)
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert task.state == SendTask.REVOKED
    assert Delivery.objects.filter(task=task).count() == 4
    assert mailer.accepted == []


def test_the_first_batches_go_out_while_the_rest_of_the_ledger_is_written(small_chunks, mailer, monkeypatch):
    task = pending_send()
    when_sent = []  # (ledger rows written, state of the send) as each message leaves
    real_send = mailer.send

    def noting_the_ledger(self, user):
        when_sent.append((Delivery.objects.filter(task=task).count(), SendTask.objects.get(id=task.id).state))
        real_send(self, user)

    monkeypatch.setattr(mailer, "send", noting_the_ledger)
    tasks.start_send(task.id)  # tests run Celery eagerly: each batch is sent as soon as it is queued

    assert when_sent[0] == (4, SendTask.STARTED)
    task.refresh_from_db()
    # Every batch was done before the ledger was whole: the start itself settled the send.
    assert (task.state, task.total, task.sent) == (SendTask.SUCCESS, 10, 10)
    assert Counter(mailer.accepted) == Counter({person.email: 1 for person in small_chunks})


def test_batches_done_before_the_ledger_is_whole_never_settle_the_send(small_chunks, mailer, monkeypatch):
    task = pending_send()
    failing_from_call(monkeypatch, ranges, "write_range", 2, RuntimeError("worker killed"))
    with pytest.raises(RuntimeError):
        tasks.start_send(task.id)

    assert not Batch.objects.filter(task=task).exclude(state=Batch.DONE).exists()
    assert sorted(mailer.accepted) == sorted(person.email for person in small_chunks[:4])
    assert progress.settle(task.id) is False
    assert recovery.settle_finished() == 0
    assert SendTask.objects.get(id=task.id).state == SendTask.STARTED
