"""
Drafts through the email endpoints: saved unfinished, listed only when asked, edited
against a version (409 "changed by X at T: reload" otherwise), deleted, and sent once.
"""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseAuthorization, CourseEmail, SendTask
from openedx_bulkmail_plugin.sending import tasks
from tests import factories

pytestmark = pytest.mark.django_db
API = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/"
OTHER_KEY = "course-v1:OtherX+Mail+2026"


@pytest.fixture
def staff(client):
    factories.course()
    factories.learner(username="ada")
    person = factories.user(username="ines", name="Ines Instructor")
    factories.grant(person, "staff")
    client.force_login(person)
    return person


@pytest.fixture
def colleague():
    person = factories.user(username="colette", name="Colette Colleague")
    factories.grant(person, "staff")
    return person


@pytest.fixture
def starts(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_start", queued.append)
    return queued


def post(client, path, payload):
    return client.post(API + path, json.dumps(payload), content_type="application/json")


def patch(client, path, payload):
    return client.patch(API + path, json.dumps(payload), content_type="application/json")


def save_draft(client, **fields):
    response = post(client, "emails/", {"draft": True, "subject": "Week 3", "body": "<p>Hi</p>",
                                        "targets": ["learners"], **fields})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_draft_is_saved_with_its_state_version_and_editor(client, staff):  # pylint: disable=unused-argument
    draft = save_draft(client)

    assert (draft["state"], draft["state_label"], draft["version"]) == ("DRAFT", "Draft", 1)
    assert draft["modified_by"] == {"username": "ines", "name": "Ines Instructor"}


def test_an_unfinished_draft_with_a_wrong_selection_is_saved(client, staff):  # pylint: disable=unused-argument
    response = post(client, "emails/", {"draft": True, "targets": ["cohort:Nobody"], "individuals": ["ghost"],
                                        "filters": {"grade_below": 200}})

    assert response.status_code == 201
    assert (response.json()["subject"], response.json()["individuals"]) == ("", ["ghost"])


def test_a_draft_is_not_scheduled_when_saved(client, staff):  # pylint: disable=unused-argument
    response = post(client, "emails/", {"draft": True, "schedule": timezone.now().isoformat()})

    assert (response.status_code, list(response.json())) == (400, ["schedule"])


def test_an_email_that_is_not_a_draft_still_needs_its_subject_and_body(client, staff):  # pylint: disable=unused-argument
    response = post(client, "emails/", {"targets": ["learners"]})

    assert response.status_code == 400
    assert set(response.json()) == {"subject", "body"}


def test_drafts_are_listed_only_when_asked_for(client, staff, starts):  # pylint: disable=unused-argument
    draft = save_draft(client, subject="Draft")
    assert post(client, "emails/", {"subject": "Sent", "body": "<p>Hi</p>", "targets": ["learners"]}).status_code == 201

    everything = client.get(API + "emails/").json()["results"]
    drafts = client.get(API + "emails/", {"state": "DRAFT"}).json()["results"]

    assert [email["subject"] for email in everything] == ["Sent"]
    assert [email["id"] for email in drafts] == [draft["id"]]


def test_drafts_are_not_in_the_history_csv(client, staff):  # pylint: disable=unused-argument
    save_draft(client, subject="Secret draft")

    body = b"".join(client.get(API + "emails/history.csv").streaming_content).decode()

    assert "Secret draft" not in body


def test_every_staff_member_of_the_course_sees_and_edits_a_draft(client, staff, colleague):  # pylint: disable=unused-argument
    draft = save_draft(client)
    client.force_login(colleague)

    response = patch(client, f"emails/{draft['id']}/", {"subject": "Week 3: the quiz", "version": 1})

    assert response.status_code == 200
    assert (response.json()["subject"], response.json()["version"]) == ("Week 3: the quiz", 2)
    assert response.json()["modified_by"]["username"] == "colette"


def test_the_later_of_two_edits_from_one_version_is_refused_with_409(client, staff, colleague):  # pylint: disable=unused-argument
    draft = save_draft(client)
    other = client.__class__()
    other.force_login(colleague)
    assert patch(other, f"emails/{draft['id']}/", {"subject": "Colette's", "version": 1}).status_code == 200

    response = patch(client, f"emails/{draft['id']}/", {"subject": "Ines's", "version": 1})

    assert response.status_code == 409
    answer = response.json()
    assert answer["detail"].startswith("This draft was changed by Colette Colleague at ")
    assert "reload" in answer["detail"]
    assert (answer["version"], answer["modified_by"]["username"]) == (2, "colette")
    assert CourseEmail.objects.get(pk=draft["id"]).subject == "Colette's"


def test_editing_a_draft_needs_its_version(client, staff):  # pylint: disable=unused-argument
    draft = save_draft(client)

    response = patch(client, f"emails/{draft['id']}/", {"subject": "No version"})

    assert (response.status_code, list(response.json())) == (400, ["version"])


def test_a_deleted_draft_is_gone(client, staff):  # pylint: disable=unused-argument
    draft = save_draft(client)

    response = client.delete(API + f"emails/{draft['id']}/")

    assert response.status_code == 204
    assert client.get(API + f"emails/{draft['id']}/").status_code == 404


def test_sending_a_draft_turns_it_into_an_ordinary_send_once(client, staff, starts,  # pylint: disable=unused-argument
                                                            django_capture_on_commit_callbacks):
    draft = save_draft(client)

    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, f"emails/{draft['id']}/send/", {"version": 1})
        second = post(client, f"emails/{draft['id']}/send/", {"version": 1})

    assert first.status_code == 201
    assert first.json()["state"] in ("QUEUING", "PENDING")
    assert (second.status_code, second.json()["state"]) == (409, first.json()["state"])
    assert SendTask.objects.filter(email_id=draft["id"]).count() == 1
    assert len(starts) == 1


def test_a_draft_sent_with_a_schedule_is_scheduled(client, staff, starts):  # pylint: disable=unused-argument
    draft = save_draft(client)

    response = post(client, f"emails/{draft['id']}/send/",
                    {"schedule": (timezone.now() + timedelta(days=3)).isoformat()})

    assert (response.status_code, response.json()["state"]) == (201, "SCHEDULED")
    assert starts == []


def test_a_draft_is_checked_in_full_when_sent(client, staff, starts):  # pylint: disable=unused-argument
    draft = save_draft(client, subject="", individuals=["ghost"])

    response = post(client, f"emails/{draft['id']}/send/", {})

    assert response.status_code == 400
    assert {"subject", "individuals", "not_found"} <= set(response.json())
    assert client.get(API + f"emails/{draft['id']}/").json()["state"] == "DRAFT"


def test_sending_an_older_version_than_the_draft_is_refused(client, staff, colleague, starts):
    draft = save_draft(client)
    other = client.__class__()
    other.force_login(colleague)
    patch(other, f"emails/{draft['id']}/", {"subject": "Changed", "version": 1})

    response = post(client, f"emails/{draft['id']}/send/", {"version": 1})

    assert response.status_code == 409
    assert "Colette Colleague" in response.json()["detail"]
    assert starts == []


def test_a_sent_draft_can_no_longer_be_edited_as_a_draft(client, staff, starts):  # pylint: disable=unused-argument
    draft = save_draft(client)
    post(client, f"emails/{draft['id']}/send/", {})

    response = patch(client, f"emails/{draft['id']}/", {"subject": "Too late", "version": 2})

    assert response.status_code == 409
    assert response.json()["state"] in ("QUEUING", "PENDING")


def test_a_draft_may_be_saved_but_not_sent_in_a_course_not_authorized(client, staff, settings, starts):  # pylint: disable=unused-argument
    settings.BULKMAIL_REQUIRE_COURSE_AUTHORIZATION = True
    draft = save_draft(client)

    assert post(client, f"emails/{draft['id']}/send/", {}).status_code == 403
    CourseAuthorization.objects.create(course_id=factories.COURSE_KEY)
    assert post(client, f"emails/{draft['id']}/send/", {}).status_code == 201


def test_a_draft_of_another_course_is_not_found(client, staff, starts):  # pylint: disable=unused-argument
    factories.course(OTHER_KEY)
    theirs = CourseEmail.objects.create(course_id=OTHER_KEY, subject="Theirs", html_message="<p>x</p>",
                                        targets=["learners"])
    SendTask.objects.create(email=theirs, state=SendTask.DRAFT)

    assert patch(client, f"emails/{theirs.id}/", {"subject": "Mine", "version": 1}).status_code == 404
    assert post(client, f"emails/{theirs.id}/send/", {}).status_code == 404
    assert client.delete(API + f"emails/{theirs.id}/").status_code == 404
    assert SendTask.objects.get(email=theirs).state == SendTask.DRAFT
