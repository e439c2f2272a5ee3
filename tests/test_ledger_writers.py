"""
Several connections write a large ledger together: one stages the next range while
another commits its own, and the ledger is the same as one writer's, range by range in
user id order, resumable, cancellable.

The writers need connections of their own that see committed data, so these tests run
outside a test transaction, on MariaDB/MySQL (SQLite always writes with one connection).
"""
import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, Delivery, SendTask
from openedx_bulkmail_plugin.sending import ledger, progress, ranges, tasks
from tests.engine_support import failing_from_call, pending_send, stale_bounds_first

User = get_user_model()
pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def server_database():
    if connection.vendor != "mysql":
        pytest.skip("SQLite writes a ledger with one connection; several writers need MariaDB/MySQL")


@pytest.fixture
def two_writers(settings, people):
    """Ten learners, ledger chunks of three rows (four ranges), batches of two, two writers."""
    settings.BULKMAIL_LEDGER_CHUNK_ROWS = 3
    settings.BULKMAIL_BATCH_SIZE = 2
    settings.BULKMAIL_LEDGER_WRITERS = 2
    return people


@pytest.fixture
def staging_threads(monkeypatch):
    """The threads that staged a range, one entry per range."""
    threads = []
    real_stage = ledger.stage

    def noting_the_thread(recipients):
        threads.append(threading.get_ident())
        return real_stage(recipients)

    monkeypatch.setattr(ledger, "stage", noting_the_thread)
    return threads


def open_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s",
                       [connection.settings_dict["NAME"]])
        return cursor.fetchone()[0]


def ledger_rows(task):
    return list(Delivery.objects.filter(task=task).order_by("id").values_list("user_id", flat=True))


def test_two_writers_write_the_ledger_one_writer_would(two_writers, staging_threads):
    task = pending_send()
    progress.begin(task.id)
    connections_before = open_connections()
    committed = []

    assert tasks.write_ledger(task.id, ready=lambda task_id: committed.append(ledger_rows(task))) is True

    assert len(set(staging_threads)) == 2 and len(staging_threads) >= 4
    rows = ledger_rows(task)
    assert rows == sorted(person.id for person in two_writers)  # each once, written in user id order
    # After each range committed, the ledger had grown by that range, in user id order (the
    # first call is for the batches of an interrupted start: none here).
    sizes = [len(seen) for seen in committed]
    assert sizes[0] == 0 and sizes[-1] == 10 and len(sizes) == len(staging_threads) + 1
    assert all(0 <= later - earlier <= 3 for earlier, later in zip(sizes, sizes[1:], strict=False))
    assert all(seen == rows[:len(seen)] for seen in committed)
    batches = Batch.objects.filter(task=task)
    assert sum(Delivery.objects.filter(task=task, id__gte=b.first_delivery_id, id__lte=b.last_delivery_id).count()
               for b in batches) == 10
    task.refresh_from_db()
    assert (task.state, task.total) == (SendTask.PROGRESS, 10)
    assert open_connections() == connections_before  # the second writer closed its connection


def test_a_failing_writer_stops_both_and_the_next_start_finishes_without_duplicates(two_writers, mailer, monkeypatch):
    task = pending_send()
    real_write_range = failing_from_call(monkeypatch, ranges, "write_range", 2, RuntimeError("connection lost"))
    with pytest.raises(RuntimeError):
        tasks.start_send(task.id)
    assert len(ledger_rows(task)) == 3  # the first range only; nothing after the failed one
    assert SendTask.objects.get(id=task.id).state == SendTask.STARTED

    monkeypatch.setattr(ranges, "write_range", real_write_range)
    tasks.start_send(task.id)

    task.refresh_from_db()
    assert (task.state, task.total, task.sent) == (SendTask.SUCCESS, 10, 10)
    assert Counter(mailer.accepted) == Counter({person.email: 1 for person in two_writers})


def test_a_cancel_while_the_writers_run_stops_the_writing(two_writers, monkeypatch):
    task = pending_send()
    progress.begin(task.id)
    real_write_range = ranges.write_range

    def cancelled_after_the_first_range(*args):
        written = real_write_range(*args)
        api.cancel_send(SendTask.objects.get(id=task.id))
        return written

    monkeypatch.setattr(ranges, "write_range", cancelled_after_the_first_range)

    assert tasks.write_ledger(task.id) is False
    task.refresh_from_db()
    assert task.state == SendTask.REVOKED
    assert len(ledger_rows(task)) == 3
    assert set(Delivery.objects.filter(task=task).values_list("status", flat=True)) == {Delivery.CANCELLED}


def test_a_staged_range_that_grew_past_a_chunk_is_cut_again_before_anything_is_written(two_writers, monkeypatch):
    task = pending_send()
    progress.begin(task.id)
    calls = stale_bounds_first(monkeypatch)

    assert tasks.write_ledger(task.id) is True
    assert len(calls) == 2
    assert ledger_rows(task) == sorted(person.id for person in two_writers)


def test_without_temporary_tables_one_connection_writes_it_all(two_writers, staging_threads, monkeypatch):
    task = pending_send()
    progress.begin(task.id)

    def refused(_rows):
        raise DatabaseError("CREATE TEMPORARY TABLES command denied")

    monkeypatch.setattr(ledger, "create_staging_table", refused)

    assert tasks.write_ledger(task.id) is True
    assert staging_threads == []
    assert ledger_rows(task) == sorted(person.id for person in two_writers)


@pytest.mark.parametrize("rows, in_memory", [(50_000, True), (ledger.MOST_ROWS_IN_MEMORY + 1, False)])
def test_a_range_is_staged_in_memory_only_when_it_fits_the_default_limit(rows, in_memory):
    ledger.create_staging_table(rows)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW CREATE TABLE {ledger.STAGING_TABLE}")
            definition = cursor.fetchone()[1]
    finally:
        ledger.drop_staging_table()

    assert ("ENGINE=MEMORY" in definition) is in_memory


def test_a_worker_shutting_down_mid_ledger_stops_both_writers(two_writers, monkeypatch):
    task = pending_send()
    progress.begin(task.id)
    failing_from_call(monkeypatch, ranges, "write_range", 2, SystemExit("worker shutting down"))

    with pytest.raises(SystemExit):
        tasks.write_ledger(task.id)
    assert len(ledger_rows(task)) == 3
    assert SendTask.objects.get(id=task.id).state == SendTask.STARTED  # the next start goes on from there


def test_a_learner_signing_in_while_their_range_is_written_does_not_wait_for_it(people):
    """
    The ledger takes no lock on learners' accounts (ADR 10): signing in (which writes the
    account's ``last_login``) goes on while a range of the ledger is still uncommitted.
    """
    task = pending_send()
    progress.begin(task.id)
    learner = people[0]
    signed_in = {}

    def sign_in():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
            signed_in["rows"] = User.objects.filter(id=learner.id).update(last_login=timezone.now())
        except DatabaseError as error:
            signed_in["error"] = error
        finally:
            connection.close()

    with transaction.atomic():
        assert ledger.write(task, User.objects.filter(id=learner.id)) == 1
        other = threading.Thread(target=sign_in)
        other.start()
        other.join()

    assert signed_in == {"rows": 1}
