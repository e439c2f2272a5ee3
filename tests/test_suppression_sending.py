"""
Sends and the suppression list: a suppressed address gets nothing and its row says why, a
reply saying the mailbox does not exist suppresses the address at once, and other
refusals fail one delivery only. Run in-process with a scripted mail server.
"""
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.deliverability import suppressions
from openedx_bulkmail_plugin.models import Batch, CourseEmail, Delivery, SendTask, Suppression
from openedx_bulkmail_plugin.sending import ledger, tasks
from openedx_bulkmail_plugin.sending.outcomes import MailboxGone, RecipientRefused
from tests import factories
from tests.engine_support import ledger_written, pending_send, statuses

pytestmark = pytest.mark.django_db

BOUNCED_ON = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def sent(task=None):
    task = task or pending_send()
    tasks.start_send(task.id)
    task.refresh_from_db()
    return task


def another_send(first):
    """A second send of the same course, by the same instructor."""
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=first.email.sender, subject="Week 2",
                                       html_message="<p>Again</p>", targets=["learners"])
    return SendTask.objects.create(email=email, state=SendTask.PENDING)


def sent_after_the_ledger(task):
    """Send the batches of a send whose ledger is written, as its workers would."""
    for batch_id in Batch.objects.filter(task=task).order_by("id").values_list("id", flat=True):
        tasks.send_batch(batch_id)
    task.refresh_from_db()
    return task


def bounced(address, detail="550 5.1.1 user unknown"):
    return suppressions.suppress(address, Suppression.HARD_BOUNCE, detail, source="smtp", when=BOUNCED_ON)[0]


def test_suppressed_address_gets_nothing_and_its_row_says_why(people, mailer):
    bounced(people[2].email)

    task = sent()

    assert people[2].email not in mailer.accepted
    row = Delivery.objects.get(task=task, user=people[2])
    assert row.status == Delivery.SUPPRESSED
    assert row.last_error == "This address bounced on 2026-11-02: 550 5.1.1 user unknown"


def test_suppressed_addresses_are_counted_apart_from_opt_outs(people, mailer):
    bounced(people[2].email)
    suppressions.suppress(people[7].email, Suppression.COMPLAINT, source="SendGrid")
    task = ledger_written(pending_send())
    factories.opt_out(people[5])  # after the start: the batch skips this learner

    task = sent_after_the_ledger(task)

    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 10, "sent": 7, "failed": 0, "skipped": 1, "suppressed": 2, "cancelled": 0}
    assert (task.skipped, task.suppressed) == (1, 2)


def test_address_is_compared_trimmed_and_in_lower_case(people, mailer):
    get_user_model().objects.filter(id=people[3].id).update(email=" Learner3@Example.COM")
    bounced("learner3@example.com ")

    task = sent()

    assert statuses(task)[" Learner3@Example.COM"] == Delivery.SUPPRESSED


def test_learner_who_changed_address_is_mailed_at_the_new_one(people, mailer):
    bounced(people[4].email)
    get_user_model().objects.filter(id=people[4].id).update(email="new-address@example.com")

    sent()

    assert "new-address@example.com" in mailer.accepted


def test_mailbox_that_does_not_exist_fails_the_row_and_suppresses_the_address(people, mailer):
    mailer.outcomes = {people[6].email: MailboxGone("550 5.1.1 <learner6@example.com>: user unknown")}

    task = sent()

    row = Delivery.objects.get(task=task, user=people[6])
    assert (row.status, row.last_error) == (Delivery.FAILED, "550 5.1.1 <learner6@example.com>: user unknown")
    entry = Suppression.objects.get(address=people[6].email)
    assert (entry.reason, entry.source, entry.detail) == (
        Suppression.HARD_BOUNCE, "smtp", "550 5.1.1 <learner6@example.com>: user unknown")


def test_next_send_skips_the_address_the_server_said_does_not_exist(people, mailer):
    mailer.outcomes = {people[6].email: MailboxGone("550 5.1.1 user unknown")}
    first = sent()
    mailer.accepted.clear()

    second = sent(another_send(first))

    assert people[6].email not in mailer.accepted
    assert statuses(second)[people[6].email] == Delivery.SUPPRESSED
    assert api.counts(second)["suppressed"] == 1


def test_other_permanent_refusals_fail_the_row_without_suppressing(people, mailer):
    mailer.outcomes = {people[6].email: RecipientRefused("550 5.7.1 Message rejected as spam")}

    task = sent()

    assert statuses(task)[people[6].email] == Delivery.FAILED
    assert not Suppression.objects.exists()


def test_address_suppressed_while_the_send_runs_is_skipped_by_the_next_check(people, mailer, settings):
    settings.BULKMAIL_OPTOUT_RECHECK_SECONDS = 0

    def complaint_arrives():
        suppressions.suppress(people[3].email, Suppression.COMPLAINT, source="SendGrid")

    mailer.outcomes = {people[1].email: complaint_arrives}

    task = sent()

    assert people[3].email not in mailer.accepted
    assert statuses(task)[people[3].email] == Delivery.SUPPRESSED


def test_checking_the_list_is_one_query_when_nobody_is_on_it(people, mailer, django_assert_num_queries):
    task = pending_send()
    ledger_written(task)
    batch = Batch.objects.filter(task=task).order_by("id").first()

    with django_assert_num_queries(1):
        assert ledger.skip_suppressed(batch) == set()


def test_lifted_address_is_mailed_again(people, mailer):
    bounced(people[2].email)
    suppressions.lift(people[2].email.upper())

    sent()

    assert people[2].email in mailer.accepted
