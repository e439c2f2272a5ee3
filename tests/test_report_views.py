"""
What staff read about their course's email: per-recipient status, the CSV reports, preview.
"""
import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from tests import factories

pytestmark = pytest.mark.django_db


COURSE = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}"
OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")


@pytest.fixture
def staff(client):
    factories.course(display_name="Moon Rocks 101")
    person = factories.user(username="stella", name="Stella Staff")
    factories.grant(person, "staff")
    client.force_login(person)
    return person


def send(sender, subject="Week 1", course_key=factories.COURSE_KEY, recipients=(), **task_fields):
    """An email with its send task and one ledger row per ``(user, status)``; returns the email."""
    email = CourseEmail.objects.create(course_id=course_key, sender=sender, subject=subject,
                                       html_message="<p>Hi</p>", targets=["learners"])
    task = SendTask.objects.create(email=email, **task_fields)
    for person, status in recipients:
        Delivery.objects.create(task=task, user=person, status=status, attempts=1 if status != "queued" else 0,
                                sent_at=timezone.now() if status == "sent" else None,
                                last_error="550 mailbox unavailable" if status == "failed" else "")
    return email


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def mixed_send(staff):
    ann, bob, cid = (factories.learner(username=name) for name in ("ann", "bob", "cid"))
    return send(staff, recipients=[(ann, "sent"), (bob, "failed"), (cid, "queued")])


def test_deliveries_list_every_recipient_with_status(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/")

    assert response.status_code == 200
    assert [(row["username"], row["status"]) for row in response.json()["results"]] == [
        ("ann", "sent"), ("bob", "failed"), ("cid", "queued")]


def test_delivery_shows_address_attempts_and_last_error(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?status=failed")

    [row] = response.json()["results"]
    assert row["email"] == "bob@example.com"
    assert row["attempts"] == 1
    assert row["last_error"] == "550 mailbox unavailable"


def test_deliveries_filter_by_status(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?status=sent")

    assert [row["username"] for row in response.json()["results"]] == ["ann"]


def test_unknown_status_filter_is_refused_naming_status(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?status=vanished")

    assert response.status_code == 400
    assert "status" in response.json()


def test_deliveries_are_paginated(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?page_size=2&page=2")

    body = response.json()
    assert body["count"] == 3
    assert [row["username"] for row in body["results"]] == ["cid"]


def test_page_past_the_end_is_refused_naming_page(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?page=9")

    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.parametrize("size", ["0", "501", "ten", "-1"])
def test_page_size_out_of_range_is_refused_naming_page_size(staff, client, mixed_send, size):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries/?page_size={size}")

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_deliveries_of_another_courses_email_are_not_found(staff, client):
    factories.course(OTHER_KEY)
    foreign = send(staff, course_key=OTHER_KEY, recipients=[(factories.learner(OTHER_KEY), "sent")])

    assert client.get(f"{COURSE}/emails/{foreign.id}/deliveries/").status_code == 404


@pytest.mark.parametrize("email_id", ["9" * 30, "9" * 5000, "\u0663"])
def test_deliveries_of_an_id_no_email_can_have_are_not_found(staff, client, email_id):
    assert client.get(f"{COURSE}/emails/{email_id}/deliveries/").status_code == 404


def test_deliveries_csv_is_streamed(staff, client, mixed_send):
    response = client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries.csv")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")


def test_deliveries_csv_has_a_line_per_recipient(staff, client, mixed_send):
    rows = csv_rows(client.get(f"{COURSE}/emails/{mixed_send.id}/deliveries.csv"))

    assert rows[0] == ["User id", "Username", "Email address", "Status", "Attempts", "Last error", "Sent at"]
    assert [(row[1], row[3]) for row in rows[1:]] == [("ann", "sent"), ("bob", "failed"), ("cid", "queued")]


def test_deliveries_csv_reads_the_ledger_in_chunks(staff, client, monkeypatch):
    monkeypatch.setattr("openedx_bulkmail_plugin.rest_api.v1.report_views.CSV_CHUNK", 2)
    learners = [factories.learner() for _ in range(5)]
    email = send(staff, recipients=[(person, "sent") for person in learners])

    rows = csv_rows(client.get(f"{COURSE}/emails/{email.id}/deliveries.csv"))

    assert [row[1] for row in rows[1:]] == [person.username for person in learners]


def test_deliveries_csv_of_another_courses_email_is_not_found(staff, client):
    factories.course(OTHER_KEY)
    foreign = send(staff, course_key=OTHER_KEY)

    response = client.get(f"{COURSE}/emails/{foreign.id}/deliveries.csv")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_history_has_a_line_per_send_of_the_course(staff, client):
    start = timezone.now() - timedelta(minutes=5)
    send(staff, subject="Welcome", state=SendTask.SUCCESS, started_at=start, finished_at=start + timedelta(seconds=42),
         total=3, sent=2, failed=1, skipped=0)
    factories.course(OTHER_KEY)
    send(staff, subject="Not this course", course_key=OTHER_KEY)

    rows = csv_rows(client.get(f"{COURSE}/emails/history.csv"))

    [line] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert (line["Requester"], line["Subject"], line["State"]) == ("stella", "Welcome", "SUCCESS")
    assert (line["Total"], line["Sent"], line["Failed"], line["Skipped"]) == ("3", "2", "1", "0")
    assert line["Duration (seconds)"] == "42"


def test_history_counts_the_recipients_a_stopped_send_never_reached_apart(staff, client):
    send(staff, subject="Stopped", state=SendTask.REVOKED, total=5, sent=2, skipped=1, cancelled=2)

    rows = csv_rows(client.get(f"{COURSE}/emails/history.csv"))

    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["Sent"], line["Skipped"], line["Not sent (stopped)"]) == ("2", "1", "2")


def test_history_counts_a_running_send_from_its_ledger(staff, client):
    send(staff, state=SendTask.PROGRESS, started_at=timezone.now(),
         recipients=[(factories.learner(), "sent"), (factories.learner(), "queued")])

    rows = csv_rows(client.get(f"{COURSE}/emails/history.csv"))

    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["Total"], line["Sent"], line["Duration (seconds)"]) == ("2", "1", "")


@pytest.mark.parametrize("subject", ["=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)"])
def test_history_defuses_formulas_in_subjects(staff, client, subject):
    send(staff, subject=subject)

    rows = csv_rows(client.get(f"{COURSE}/emails/history.csv"))

    assert rows[1][2] == "'" + subject


def test_preview_renders_for_the_requester(staff, client):
    draft = {"subject": "Hi %%USER_FULLNAME%%", "body": "<p>Dear %%USER_FULLNAME%%</p>"}

    response = client.post(f"{COURSE}/preview/", draft, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["subject"] == "Hi Stella Staff"
    assert "<p>Dear Stella Staff</p>" in response.json()["html"]


def test_preview_sends_and_stores_nothing(staff, client):
    client.post(f"{COURSE}/preview/", {"subject": "Hi", "body": "<p>x</p>"}, content_type="application/json")

    assert mail.outbox == []
    assert not CourseEmail.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"subject": "", "body": "<p>x</p>"}, "subject"),
    ({"subject": "Hi\r\nBcc: everyone@example.com", "body": "<p>x</p>"}, "subject"),
    ({"subject": "Hi", "body": ""}, "body"),
    ({"subject": "Hi", "body": "   "}, "body"),
    ({"body": "<p>x</p>"}, "subject"),
    ({"subject": "Hi", "body": "<p>x</p>", "targets": ["learners"]}, "targets"),
    ({"subject": "Hi", "body": ["<p>x</p>"]}, "body"),
])
def test_preview_refuses_what_creation_refuses_naming_the_field(staff, client, body, field):
    response = client.post(f"{COURSE}/preview/", body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()


def test_preview_refuses_a_body_over_the_size_limit(staff, client, settings):
    settings.BULKMAIL_MAX_BODY_BYTES = 100

    response = client.post(f"{COURSE}/preview/", {"subject": "Hi", "body": "<p>" + "é" * 60 + "</p>"},
                           content_type="application/json")

    assert response.status_code == 400
    assert "body" in response.json()


def test_request_over_the_sites_upload_limit_is_refused_as_json(staff, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(f"{COURSE}/preview/", {"subject": "Hi", "body": "x" * 2000}, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_preview_answers_json_that_browsers_must_not_sniff(staff, client):
    response = client.post(f"{COURSE}/preview/", {"subject": "Hi", "body": "<script>alert(1)</script>"},
                           content_type="application/json")

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_preview_answer_may_not_run_anything_if_opened_as_a_page(staff, client):
    response = client.post(f"{COURSE}/preview/", {"subject": "Hi", "body": "<script>alert(1)</script>"},
                           content_type="application/json")

    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
