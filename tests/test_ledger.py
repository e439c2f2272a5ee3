"""
The per-recipient ledger: written by the database from the recipient query, cut into
batches by id range, marked row by row.
"""
import pytest
from django.db import connection
from django.utils import timezone

from openedx_bulkmail_plugin.models import Batch, CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.recipients import recipients_queryset
from openedx_bulkmail_plugin.sending import ledger, progress
from tests import factories
from tests.sending_support import instructor, many_learners

pytestmark = pytest.mark.django_db
KEY = factories.COURSE_KEY


@pytest.fixture
def task():
    factories.course()
    email = CourseEmail.objects.create(course_id=KEY, sender=instructor(), subject="S", html_message="B",
                                       targets=["learners"])
    return SendTask.objects.create(email=email, state=SendTask.STARTED)


def written(task, targets=("learners",)):
    ledger.write(task, recipients_queryset(KEY, list(targets), task.email.sender))
    return Delivery.objects.filter(task=task)


def test_ledger_has_one_queued_row_per_recipient(task):
    learners = many_learners(7)

    rows = written(task)

    assert sorted(rows.values_list("user_id", flat=True)) == sorted(p.id for p in learners)
    assert set(rows.values_list("status", "attempts", "last_error")) == {(Delivery.QUEUED, 0, "")}


def test_someone_in_several_selected_groups_has_one_row(task):
    factories.course(modes=("audit", "verified"))
    learners = many_learners(3)
    factories.grant(learners[0], "staff")

    rows = written(task, targets=("learners", "track:audit", "staff", "myself"))

    assert rows.count() == 4  # three learners (one of them also staff) and the instructor
    assert rows.filter(user=learners[0]).count() == 1


def test_ledger_is_written_in_one_statement(task, django_assert_num_queries):
    many_learners(50)
    recipients = recipients_queryset(KEY, ["learners"], task.email.sender)

    with django_assert_num_queries(1):
        assert ledger.write(task, recipients) == 50


def test_batches_cover_the_ledger_in_consecutive_id_ranges(task):
    many_learners(10)
    ids = list(written(task).order_by("id").values_list("id", flat=True))

    assert ledger.split_into_batches(task, 4) == 3

    ranges = list(Batch.objects.filter(task=task).order_by("first_delivery_id").values_list(
        "first_delivery_id", "last_delivery_id", "state"))
    assert ranges == [(ids[0], ids[3], Batch.PENDING), (ids[4], ids[7], Batch.PENDING), (ids[8], ids[9], Batch.PENDING)]


def test_batches_of_one_send_ignore_rows_of_another(task):
    many_learners(4)
    other = SendTask.objects.create(email=CourseEmail.objects.create(
        course_id=KEY, subject="O", html_message="B", targets=["learners"]), state=SendTask.STARTED)
    written(other)
    ids = list(written(task).order_by("id").values_list("id", flat=True))

    ledger.split_into_batches(task, 10)

    assert list(Batch.objects.filter(task=task).values_list("first_delivery_id", "last_delivery_id")) == [
        (ids[0], ids[-1])]


def test_opt_outs_since_the_start_are_skipped_and_named(task, django_assert_num_queries):
    learners = many_learners(4)
    written(task)
    ledger.split_into_batches(task, 10)
    factories.opt_out(learners[2])
    batch = Batch.objects.get(task=task)

    with django_assert_num_queries(2):  # find who opted out, then skip them
        assert ledger.skip_opted_out(batch, KEY, "opted out") == {learners[2].id}

    row = Delivery.objects.get(task=task, user=learners[2])
    assert (row.status, row.last_error) == (Delivery.SKIPPED, "opted out")


def test_checking_opt_outs_when_nobody_opted_out_is_one_query(task, django_assert_num_queries):
    many_learners(4)
    written(task)
    ledger.split_into_batches(task, 10)
    batch = Batch.objects.get(task=task)

    with django_assert_num_queries(1):
        assert ledger.skip_opted_out(batch, KEY, "opted out") == set()


def test_accepted_messages_are_marked_in_one_statement(task, django_assert_num_queries):
    many_learners(30)
    row_ids = list(written(task).values_list("id", flat=True))

    with django_assert_num_queries(1):
        assert ledger.mark_all_sent(row_ids) is True

    assert set(Delivery.objects.filter(task=task).values_list("status", "attempts")) == {(Delivery.SENT, 1)}


def test_group_with_rows_someone_settled_meanwhile_says_so_and_records_the_truth(task):
    many_learners(3)
    row_ids = list(written(task).order_by("id").values_list("id", flat=True))
    Delivery.objects.filter(id=row_ids[1]).update(status=Delivery.SKIPPED)

    assert ledger.mark_all_sent(row_ids) is False
    assert set(Delivery.objects.filter(task=task).values_list("status", flat=True)) == {Delivery.SENT}


def test_marking_a_row_sent_records_when(task):
    many_learners(1)
    row = written(task).get()

    assert ledger.mark_sent(row) is True

    before = timezone.now()
    row.refresh_from_db()
    assert row.status == Delivery.SENT
    assert row.sent_at <= timezone.now()
    assert Delivery.objects.filter(sent_at__lte=before).count() == 1


def test_marking_a_row_someone_settled_meanwhile_says_so_and_records_the_truth(task):
    many_learners(1)
    row = written(task).get()
    Delivery.objects.filter(id=row.id).update(status=Delivery.SKIPPED)

    assert ledger.mark_sent(row) is False
    assert Delivery.objects.get(id=row.id).status == Delivery.SENT


def test_settling_the_unsent_leaves_sent_rows_alone(task):
    many_learners(3)
    rows = list(written(task).order_by("id"))
    ledger.mark_sent(rows[0])

    assert ledger.settle_unsent(ledger.unsent(task), Delivery.SKIPPED, "cancelled") == 2
    assert Delivery.objects.get(id=rows[0].id).status == Delivery.SENT


def test_frozen_counts_are_written_in_one_statement(task, django_assert_num_queries):
    many_learners(3)
    rows = list(written(task).order_by("id"))
    ledger.mark_sent(rows[0])
    ledger.mark(rows[1], Delivery.FAILED, "550 no")

    with django_assert_num_queries(1):
        progress.freeze_counts(task.id)

    task.refresh_from_db()
    assert (task.total, task.sent, task.failed, task.skipped) == (3, 1, 1, 0)


def test_ledger_rows_are_indexed_by_account_without_a_database_constraint():
    """A constraint would lock each learner's account row while a range of the ledger is written (ADR 10)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Delivery._meta.db_table)

    on_user = [spec for spec in constraints.values() if spec["columns"] == ["user_id"]]
    assert [spec["foreign_key"] for spec in on_user if spec["foreign_key"]] == []
    assert any(spec["index"] for spec in on_user)
