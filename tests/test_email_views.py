"""
The email endpoints: create (now or scheduled), list, read, edit, revoke and cancel,
with every refusal a 400 naming the field, a 404 for another course's id, and a 409 with
the current state when the email is past the point where the action makes sense.
"""
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin.models import Batch, CourseEmail, SendTask
from tests import factories

OTHER_COURSE_KEY = "course-v1:OtherX+Mail+2026"
BASE = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/emails/"

pytestmark = pytest.mark.django_db


def detail_url(email_id, course_key=factories.COURSE_KEY):
    return f"/api/bulkmail/v1/courses/{course_key}/emails/{email_id}/"


def in_days(days):
    return (timezone.now() + timedelta(days=days)).isoformat()


def send_task(state=SendTask.SCHEDULED, subject="Stored", course_key=factories.COURSE_KEY, sender=None, due=None):
    """An email and its send in the given state, as if created earlier."""
    email = CourseEmail.objects.create(
        course_id=course_key, sender=sender, subject=subject, html_message="<p>Stored</p>", targets=["learners"])
    if state == SendTask.SCHEDULED and due is None:
        due = timezone.now() + timedelta(days=1)
    return SendTask.objects.create(email=email, state=state, due=due)


@pytest.fixture
def staff(client):
    factories.course(modes=("audit", "verified"))
    factories.learner()
    person = factories.user(username="ines", name="Ines Instructor")
    factories.grant(person, "staff")
    client.force_login(person)
    return person


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def patch(client, url, payload):
    return client.patch(url, json.dumps(payload), content_type="application/json")


def new_email(**fields):
    return {"subject": "Week 2", "body": "<p>Hello %%USER_FULLNAME%%</p>", "targets": ["learners"], **fields}


# Create


def test_create_answers_201_with_the_documented_email_json(client, staff):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email())
    assert response.status_code == 201
    assert set(response.json()) == {
        "id", "course_id", "subject", "body", "targets", "individuals", "filters", "selection", "author",
        "created", "due", "started_at", "finished_at", "state", "state_label", "counts", "counts_final",
        "failure_reason", "suppressed_note", "version", "modified", "modified_by"}


def test_created_email_names_its_targets_with_their_labels(client, staff):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email(targets=["learners", "track:verified"]))
    assert response.json()["targets"] == [
        {"key": "learners", "label": "All Learners"},
        {"key": "track:verified", "label": "Learners in the Verified Track"},
    ]


def test_created_email_names_its_author(client, staff):  # pylint: disable=unused-argument
    assert post(client, BASE, new_email()).json()["author"] == {"username": "ines", "name": "Ines Instructor"}


def test_email_without_schedule_is_sent_now(client, staff):  # pylint: disable=unused-argument
    body = post(client, BASE, new_email()).json()
    assert body["due"] is None
    assert body["state"] in SendTask.RUNNING_STATES


def test_scheduled_email_waits_with_its_due_time_in_utc(client, staff):  # pylint: disable=unused-argument
    due = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    local = due.astimezone(timezone.get_fixed_timezone(60)).isoformat()
    body = post(client, BASE, new_email(schedule=local)).json()
    assert (body["state"], body["state_label"]) == ("SCHEDULED", "Scheduled")
    assert body["due"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert SendTask.objects.get(email_id=body["id"]).due == due


def test_null_schedule_means_send_now(client, staff):  # pylint: disable=unused-argument
    assert post(client, BASE, new_email(schedule=None)).json()["due"] is None


@pytest.mark.parametrize("field, fields", [
    ("subject", {"subject": ""}),
    ("subject", {"subject": "x" * 256}),
    ("subject", {"subject": "Week 2\r\nBcc: everyone@example.com"}),
    ("subject", {"subject": "Week 2\nagain"}),
    ("body", {"body": ""}),
    ("targets", {"targets": ["cohort:Nobody"]}),
    ("targets", {"targets": []}),
    ("targets", {"targets": "learners"}),
    ("schedule", {"schedule": "2026-12-01T09:00:00"}),
    ("schedule", {"schedule": "tomorrow morning"}),
    ("schedule", {"schedule": "2020-01-01T09:00:00Z"}),
    ("schedule", {"schedule": in_days(367)}),
], ids=[
    "empty-subject", "long-subject", "crlf-subject", "lf-subject", "empty-body", "unknown-target",
    "no-target", "targets-not-a-list", "naive-schedule", "unparsable-schedule", "past-schedule",
    "schedule-beyond-a-year",
])
def test_invalid_field_answers_400_naming_it_and_creates_nothing(client, staff, field, fields):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email(**fields))
    assert response.status_code == 400
    assert field in response.json()
    assert not CourseEmail.objects.exists()


def test_targets_that_reach_nobody_answer_400_naming_targets(client, staff):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email(targets=["track:verified"]))
    assert response.status_code == 400
    assert "targets" in response.json()
    assert not CourseEmail.objects.exists()


def test_body_over_the_size_limit_answers_400_naming_body(client, staff, settings):  # pylint: disable=unused-argument
    settings.BULKMAIL_MAX_BODY_BYTES = 1000
    response = post(client, BASE, new_email(body="<p>" + "é" * 500 + "</p>"))
    assert response.status_code == 400
    assert "body" in response.json()
    assert not CourseEmail.objects.exists()


CHECK = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/emails/check/"


def test_check_answers_the_count_and_writes_nothing(client, staff):  # pylint: disable=unused-argument
    factories.learner()

    response = post(client, CHECK, new_email(targets=["learners", "myself"]))

    assert response.status_code == 200
    assert response.json() == {"count": 3, "due": None}
    assert not CourseEmail.objects.exists()


def test_check_of_a_schedule_gives_the_due_time_in_utc(client, staff):  # pylint: disable=unused-argument
    due = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    local = due.astimezone(timezone.get_fixed_timezone(60))

    response = post(client, CHECK, new_email(schedule=local.isoformat()))

    assert response.json()["due"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_check_refuses_what_create_refuses_naming_every_field(client, staff):  # pylint: disable=unused-argument
    past = (timezone.now() - timedelta(days=1)).isoformat()
    payload = new_email(subject="", body="<p>" + "x" * 2_000_000 + "</p>", schedule=past)

    checked, created = post(client, CHECK, payload), post(client, BASE, payload)

    assert (checked.status_code, created.status_code) == (400, 400)
    assert checked.json() == created.json()
    assert set(checked.json()) == {"subject", "body", "schedule"}
    assert not CourseEmail.objects.exists()


def test_check_refuses_a_selection_that_reaches_nobody(client, staff):  # pylint: disable=unused-argument
    response = post(client, CHECK, new_email(targets=["track:verified"]))
    assert response.status_code == 400
    assert "Nobody would receive this email" in str(response.json()["targets"])


def test_missing_field_answers_400_naming_it(client, staff):  # pylint: disable=unused-argument
    payload = new_email()
    del payload["body"]
    response = post(client, BASE, payload)
    assert response.status_code == 400
    assert "body" in response.json()


def test_every_invalid_field_is_named_at_once(client, staff):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email(subject="", schedule="2026-12-01T09:00:00"))
    assert {"subject", "schedule"} <= set(response.json())


def test_unknown_field_answers_400_naming_it_and_creates_nothing(client, staff):  # pylint: disable=unused-argument
    response = post(client, BASE, new_email(schedulle=in_days(1)))
    assert response.status_code == 400
    assert "schedulle" in response.json()
    assert not CourseEmail.objects.exists()


def test_malformed_json_answers_400(client, staff):  # pylint: disable=unused-argument
    response = client.post(BASE, '{"subject": "Week 2",', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not CourseEmail.objects.exists()


def test_json_that_is_not_an_object_answers_400(client, staff):  # pylint: disable=unused-argument
    response = client.post(BASE, '["Week 2"]', content_type="application/json")
    assert response.status_code == 400
    assert not CourseEmail.objects.exists()


def test_learner_cannot_create_an_email(client, staff):  # pylint: disable=unused-argument
    client.force_login(factories.learner())
    assert post(client, BASE, new_email()).status_code == 403
    assert not CourseEmail.objects.exists()


def test_anonymous_cannot_list_emails(client, db):  # pylint: disable=unused-argument
    factories.course()
    assert client.get(BASE).status_code == 401


# List


def test_list_is_newest_first(client, staff):  # pylint: disable=unused-argument
    older = send_task(subject="Older")
    newer = send_task(subject="Newer")
    ids = [email["id"] for email in client.get(BASE).json()["results"]]
    assert ids == [newer.email_id, older.email_id]


def test_list_filtered_by_state_shows_only_that_state(client, staff):  # pylint: disable=unused-argument
    scheduled = send_task(SendTask.SCHEDULED)
    send_task(SendTask.SUCCESS)
    results = client.get(BASE, {"state": "SCHEDULED"}).json()["results"]
    assert [email["id"] for email in results] == [scheduled.email_id]


def test_list_filter_accepts_several_states(client, staff):  # pylint: disable=unused-argument
    send_task(SendTask.SCHEDULED)
    progress = send_task(SendTask.PROGRESS)
    pending = send_task(SendTask.PENDING)
    results = client.get(BASE + "?state=PROGRESS,PENDING").json()["results"]
    assert {email["id"] for email in results} == {progress.email_id, pending.email_id}


def test_list_filter_with_an_unknown_state_answers_400_naming_state(client, staff):  # pylint: disable=unused-argument
    response = client.get(BASE, {"state": "SENT"})
    assert response.status_code == 400
    assert "state" in response.json()


def test_list_of_scheduled_emails_shows_due_time_targets_subject_and_author(client, staff):
    send_task(SendTask.SCHEDULED, subject="Later", sender=staff)
    email = client.get(BASE, {"state": "SCHEDULED"}).json()["results"][0]
    assert email["due"].endswith("Z")
    assert (email["subject"], email["targets"][0]["key"], email["author"]["username"]) == ("Later", "learners", "ines")


def test_list_is_paginated(client, staff):  # pylint: disable=unused-argument
    tasks = [send_task(subject=f"Email {number}") for number in range(5)]
    page = client.get(BASE, {"page": 2, "page_size": 2}).json()
    assert page["count"] == 5
    assert [email["id"] for email in page["results"]] == [tasks[2].email_id, tasks[1].email_id]
    assert page["next"] and page["previous"]


def test_page_past_the_end_answers_400_naming_page(client, staff):  # pylint: disable=unused-argument
    send_task()
    response = client.get(BASE, {"page": 3})
    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.parametrize("size", ["0", "101", "ten", "-1"])
def test_page_size_outside_1_to_100_answers_400_naming_page_size(client, staff, size):  # pylint: disable=unused-argument
    response = client.get(BASE, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_list_says_whose_counts_are_final_with_one_query_for_the_page(client, staff):  # pylint: disable=unused-argument
    def listed():
        with CaptureQueriesContext(connection) as queries:
            results = client.get(BASE).json()["results"]
        return {email["subject"]: email["counts_final"] for email in results}, len(queries)

    send_task(SendTask.REVOKED, subject="Stopped 0")
    _finals, queries_with_one_stopped = listed()
    held = send_task(SendTask.FAILURE, subject="Failed, a message still in flight")
    Batch.objects.create(task=held, first_delivery_id=1, last_delivery_id=1, state=Batch.RUNNING,
                         owner="worker", lease_expires=timezone.now() + timedelta(minutes=1))
    for number in range(1, 4):
        send_task(SendTask.REVOKED, subject=f"Stopped {number}")
    send_task(SendTask.PROGRESS, subject="Running")

    finals, queries = listed()

    assert finals == {"Stopped 0": True, "Stopped 1": True, "Stopped 2": True, "Stopped 3": True,
                      "Failed, a message still in flight": False, "Running": False}
    assert queries == queries_with_one_stopped + 1  # the running send's live counts, and nothing per stopped one


def test_list_leaves_out_other_courses_emails(client, staff):  # pylint: disable=unused-argument
    factories.course(key=OTHER_COURSE_KEY)
    send_task(course_key=OTHER_COURSE_KEY)
    assert client.get(BASE).json()["count"] == 0


# Detail


def test_detail_shows_the_email_with_its_counts(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED, subject="Hello")
    body = client.get(detail_url(task.email_id)).json()
    assert (body["id"], body["subject"], body["body"]) == (task.email_id, "Hello", "<p>Stored</p>")
    assert set(body["counts"]) == {"total", "sent", "failed", "skipped", "suppressed", "cancelled"}
    assert body["counts_final"] is False


def test_detail_of_another_courses_email_answers_404(client, db):  # pylint: disable=unused-argument
    factories.course()
    factories.course(key=OTHER_COURSE_KEY)
    client.force_login(factories.user(is_staff=True))
    elsewhere = send_task(course_key=OTHER_COURSE_KEY)
    assert client.get(detail_url(elsewhere.email_id)).status_code == 404


def test_detail_of_an_unknown_id_answers_404(client, staff):  # pylint: disable=unused-argument
    assert client.get(detail_url(999999)).status_code == 404


# Edit


def test_edit_of_a_scheduled_email_changes_it(client, staff):
    task = send_task(SendTask.SCHEDULED, sender=staff)
    due = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    response = patch(client, detail_url(task.email_id), {
        "subject": "Moved", "body": "<p>New</p>", "targets": ["myself"], "schedule": due.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert (body["subject"], body["body"], body["targets"][0]["key"]) == ("Moved", "<p>New</p>", "myself")
    assert body["due"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_invalid_edit_answers_400_naming_the_field_and_changes_nothing(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED, subject="Kept")
    response = patch(client, detail_url(task.email_id), {"subject": "Moved", "schedule": "2026-12-01T09:00:00"})
    assert response.status_code == 400
    assert "schedule" in response.json()
    assert CourseEmail.objects.get(pk=task.email_id).subject == "Kept"


def test_edit_to_targets_that_reach_nobody_answers_400_naming_targets(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED)
    response = patch(client, detail_url(task.email_id), {"targets": ["track:verified"]})
    assert response.status_code == 400
    assert "targets" in response.json()
    assert CourseEmail.objects.get(pk=task.email_id).targets == ["learners"]


def test_edit_with_an_unknown_field_answers_400_naming_it(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED)
    response = patch(client, detail_url(task.email_id), {"due": in_days(2)})
    assert response.status_code == 400
    assert "due" in response.json()


def test_edit_with_nothing_to_change_answers_400(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED)
    assert patch(client, detail_url(task.email_id), {}).status_code == 400


def test_edit_of_a_started_email_answers_409_with_its_state_and_changes_nothing(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.PROGRESS, subject="Sending")
    response = patch(client, detail_url(task.email_id), {"subject": "Too late"})
    assert response.status_code == 409
    assert response.json()["state"] == "PROGRESS"
    assert CourseEmail.objects.get(pk=task.email_id).subject == "Sending"


def test_edit_of_another_courses_email_answers_404(client, staff):
    factories.course(key=OTHER_COURSE_KEY)
    factories.grant(staff, "staff", course_key=CourseKey.from_string(OTHER_COURSE_KEY))
    elsewhere = send_task(course_key=OTHER_COURSE_KEY, subject="Theirs")
    assert patch(client, detail_url(elsewhere.email_id), {"subject": "Mine"}).status_code == 404
    assert CourseEmail.objects.get(pk=elsewhere.email_id).subject == "Theirs"


# Revoke


def test_delete_of_a_scheduled_email_revokes_it_and_keeps_it_in_history(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED)
    response = client.delete(detail_url(task.email_id))
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["state_label"]) == ("REVOKED", "Deleted before sending")
    assert [email["id"] for email in client.get(BASE).json()["results"]] == [task.email_id]


def test_a_stopped_send_keeps_the_revoked_label(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.REVOKED)
    SendTask.objects.filter(id=task.id).update(started_at=timezone.now())
    assert client.get(detail_url(task.email_id)).json()["state_label"] == "Revoked"


def test_delete_of_a_started_email_answers_409_with_its_state(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.STARTED)
    response = client.delete(detail_url(task.email_id))
    assert (response.status_code, response.json()["state"]) == (409, "STARTED")
    assert SendTask.objects.get(pk=task.pk).state == SendTask.STARTED


def test_delete_of_another_courses_email_answers_404(client, db):  # pylint: disable=unused-argument
    factories.course()
    factories.course(key=OTHER_COURSE_KEY)
    client.force_login(factories.user(is_staff=True))
    elsewhere = send_task(course_key=OTHER_COURSE_KEY)
    assert client.delete(detail_url(elsewhere.email_id)).status_code == 404
    assert SendTask.objects.get(pk=elsewhere.pk).state == SendTask.SCHEDULED


# Cancel


def test_cancel_of_a_running_send_revokes_it(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.PROGRESS)
    response = client.post(detail_url(task.email_id) + "cancel/")
    assert response.status_code == 200
    assert response.json()["state"] == "REVOKED"


def test_cancel_of_a_finished_send_answers_409_with_its_state(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SUCCESS)
    response = client.post(detail_url(task.email_id) + "cancel/")
    assert (response.status_code, response.json()["state"]) == (409, "SUCCESS")


def test_cancel_of_another_courses_email_answers_404(client, db):  # pylint: disable=unused-argument
    factories.course()
    factories.course(key=OTHER_COURSE_KEY)
    client.force_login(factories.user(is_staff=True))
    elsewhere = send_task(SendTask.PROGRESS, course_key=OTHER_COURSE_KEY)
    assert client.post(detail_url(elsewhere.email_id) + "cancel/").status_code == 404
    assert SendTask.objects.get(pk=elsewhere.pk).state == SendTask.PROGRESS


def test_cancel_of_a_scheduled_email_answers_409_and_leaves_it_scheduled(client, staff):  # pylint: disable=unused-argument
    task = send_task(SendTask.SCHEDULED)
    response = client.post(detail_url(task.email_id) + "cancel/")
    assert (response.status_code, response.json()["state"]) == (409, "SCHEDULED")
    assert SendTask.objects.get(pk=task.pk).state == SendTask.SCHEDULED
