"""
What instructors read about suppressed recipients: the email's counts and note, the
per-recipient list and CSV, and the history CSV, after a real (in-process) send.
"""
from datetime import UTC, datetime

import pytest

from openedx_bulkmail_plugin.deliverability import suppressions
from openedx_bulkmail_plugin.models import Suppression
from openedx_bulkmail_plugin.sending import tasks
from tests.engine_support import pending_send
from tests.test_report_views import COURSE, csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_send(people, mailer, client):
    for person in people[1:3]:
        suppressions.suppress(person.email, Suppression.HARD_BOUNCE, "550 5.1.1 user unknown", "smtp",
                              when=datetime(2026, 11, 2, 8, tzinfo=UTC))
    task = pending_send()
    tasks.start_send(task.id)
    client.force_login(task.email.sender)
    return task


def test_email_detail_counts_and_says_how_many_were_suppressed(client, finished_send):
    body = client.get(f"{COURSE}/emails/{finished_send.email_id}/").json()

    assert body["counts"] == {"total": 10, "sent": 8, "failed": 0, "skipped": 0, "suppressed": 2, "cancelled": 0}
    assert body["suppressed_note"] == "2 addresses skipped: bounced or complained before"


def test_suppressed_recipients_can_be_listed_with_their_reason(client, finished_send, people):
    body = client.get(f"{COURSE}/emails/{finished_send.email_id}/deliveries/?status=suppressed").json()

    assert [(row["email"], row["last_error"]) for row in body["results"]] == [
        (person.email, "This address bounced on 2026-11-02: 550 5.1.1 user unknown") for person in people[1:3]]


def test_per_recipient_csv_says_which_were_suppressed_and_why(client, finished_send, people):
    rows = csv_rows(client.get(f"{COURSE}/emails/{finished_send.email_id}/deliveries.csv"))

    lines = {line["Email address"]: line for line in (dict(zip(rows[0], row, strict=True)) for row in rows[1:])}
    assert lines[people[1].email]["Status"] == "suppressed"
    assert lines[people[1].email]["Last error"] == "This address bounced on 2026-11-02: 550 5.1.1 user unknown"
    assert lines[people[0].email]["Status"] == "sent"


def test_history_csv_counts_suppressed_apart_from_skipped(client, finished_send):
    rows = csv_rows(client.get(f"{COURSE}/emails/history.csv"))

    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["Sent"], line["Skipped"], line["Suppressed"]) == ("8", "0", "2")
