"""
A large send's ledger is written in bounded transactions, resumable between them.
"""
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from openedx_bulkmail_plugin.sending import progress, tasks
from tests.engine_support import pending_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(settings, people):
    """Ten learners, ledger chunks of four rows, batches of three."""
    settings.BULKMAIL_LEDGER_CHUNK_ROWS = 4
    settings.BULKMAIL_BATCH_SIZE = 3
    return people


def ledger_inserts(queries):
    return [q for q in queries if q["sql"].startswith("INSERT INTO") and Delivery._meta.db_table in q["sql"].split()[2]]


def test_ledger_is_written_in_chunks_of_at_most_the_configured_rows(small_chunks, mailer):
    task = pending_send()
    progress.begin(task.id)

    with CaptureQueriesContext(connection) as captured:
        assert tasks.write_ledger(task.id) is True

    assert len(ledger_inserts(captured.captured_queries)) == 3  # 4 + 4 + 2
    rows = list(Delivery.objects.filter(task=task).order_by("id").values_list("id", "user_id"))
    assert sorted(user for _id, user in rows) == sorted(person.id for person in small_chunks)
    batches = list(Batch.objects.filter(task=task).order_by("id").values_list("first_delivery_id", "last_delivery_id"))
    covered = [row_id for row_id, _user in rows if any(first <= row_id <= last for first, last in batches)]
    assert covered == [row_id for row_id, _user in rows]
    assert all(sum(first <= row_id <= last for row_id, _ in rows) <= 3 for first, last in batches)
    task.refresh_from_db()
    assert (task.state, task.total) == (SendTask.PROGRESS, 10)


def test_start_interrupted_between_chunks_is_finished_by_the_next_start_without_duplicates(
        small_chunks, mailer, monkeypatch):
    task = pending_send()
    real_chunk = tasks._write_chunk  # pylint: disable=protected-access
    calls = []

    def dies_after_the_first_chunk(*args):
        if calls:
            raise RuntimeError("worker killed")
        calls.append(1)
        return real_chunk(*args)

    monkeypatch.setattr(tasks, "_write_chunk", dies_after_the_first_chunk)
    with pytest.raises(RuntimeError):
        tasks.start_send(task.id)
    assert (SendTask.objects.get(id=task.id).state, Delivery.objects.filter(task=task).count()) == (SendTask.STARTED, 4)

    monkeypatch.setattr(tasks, "_write_chunk", real_chunk)
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert (task.state, task.total, task.sent) == (SendTask.SUCCESS, 10, 10)
    assert Counter(mailer.accepted) == Counter({person.email: 1 for person in small_chunks})


def test_cancel_between_chunks_stops_the_writing(small_chunks, mailer, monkeypatch):
    task = pending_send()
    real_chunk = tasks._write_chunk  # pylint: disable=protected-access

    def cancelled_after_each_chunk(*args):
        written = real_chunk(*args)
        if SendTask.objects.get(id=task.id).state == SendTask.STARTED:
            api.cancel_send(SendTask.objects.get(id=task.id))
        return written

    monkeypatch.setattr(tasks, "_write_chunk", cancelled_after_each_chunk)
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert task.state == SendTask.REVOKED
    assert Delivery.objects.filter(task=task).count() == 4
    assert mailer.accepted == []
