"""
Selections over HTTP: counting and seeing who (POST recipients/), and creating, editing and
describing emails sent to groups, named learners and filters.
"""
import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import Delivery
from tests import factories as f
from tests import selection_population as population

pytestmark = pytest.mark.django_db

API = f"/api/bulkmail/v1/courses/{f.COURSE_KEY}/"


@pytest.fixture
def people(client):
    people = population.build()
    client.force_login(people["staffer"])
    return people


def post(client, path, payload):
    return client.post(API + path, json.dumps(payload), content_type="application/json")


def email(**selection):
    return {"subject": "Catch up", "body": "<p>Week 3 is open.</p>", **selection}


def later():
    return (timezone.now() + timedelta(days=2)).isoformat()


# Counting and seeing who

def test_count_answers_the_documented_shape(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"targets": ["learners"], "individuals": ["dormant", "ghost"],
                                            "filters": {"never_started": True}})
    assert response.status_code == 200
    answer = response.json()
    assert answer.pop("count_status") == "exact" and answer.pop("counted_at")
    assert answer == {
        "count": 3,
        "recipients": [
            {"username": "dormant", "name": "Person dormant", "email": "dormant@example.com"},
            {"username": "just_below", "name": "Person just_below", "email": "just_below@example.com"},
            {"username": "no_grade", "name": "Person no_grade", "email": "no_grade@example.com"},
        ],
        "not_found": ["ghost"],
        "excluded": [],
    }


def test_count_lists_named_people_left_out_and_why(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"individuals": ["opted_out", "passed_high"], "filters": {"passed": False}})
    assert response.json()["excluded"] == [
        {"username": "opted_out", "reason": "opted_out"}, {"username": "passed_high", "reason": "filtered_out"}]


def test_empty_selection_answers_400(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"filters": {"passed": True}})
    assert response.status_code == 400
    assert list(response.json()) == ["targets"]


@pytest.mark.parametrize(("filters", "key"), [
    ({"grade_below": 120}, "grade_below"), ({"passed": "yes"}, "passed"), ({"shoe_size": 9}, "shoe_size")])
def test_wrong_filter_answers_400_naming_the_key(client, people, filters, key):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"targets": ["learners"], "filters": filters})
    assert response.status_code == 400
    assert list(response.json()["filters"]) == [key]


def test_unknown_group_answers_400_naming_it(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"targets": ["everyone"]})
    assert response.status_code == 400
    assert "everyone" in response.json()["targets"][0]


def test_too_many_named_learners_answers_400(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/", {"individuals": [f"user{n}" for n in range(10_001)]})
    assert response.status_code == 400
    assert "individuals" in response.json()


def test_counting_alone_answers_the_count_and_the_names_not_found(client, people):  # pylint: disable=unused-argument
    response = post(client, "recipients/count/", {"targets": ["learners"], "individuals": ["dormant", "ghost"],
                                                  "filters": {"never_started": True}})
    assert response.status_code == 200
    answer = response.json()
    assert answer.pop("count_status") == "exact" and answer.pop("counted_at")
    assert answer == {"count": 3, "not_found": ["ghost"]}


def test_counting_alone_names_that_match_nobody_counts_zero(client, people):  # pylint: disable=unused-argument
    answer = post(client, "recipients/count/", {"individuals": ["ghost"]}).json()
    assert (answer["count"], answer["not_found"], answer["count_status"]) == (0, ["ghost"], "exact")


def test_counting_alone_exactly_counts_a_large_course_now(client, people, settings):  # pylint: disable=unused-argument
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 0
    answer = post(client, "recipients/count/", {"targets": ["learners"], "filters": {"passed": False},
                                                "exact": True}).json()
    assert (answer["count"], answer["count_status"]) == (len(population.EXPECTED[("passed", False)]), "exact")


@pytest.mark.parametrize(("payload", "field"), [
    ({"filters": {"passed": True}}, "targets"), ({"targets": ["everyone"]}, "targets"),
    ({"targets": ["learners"], "filters": {"grade_below": 120}}, "filters"),
    ({"targets": ["learners"], "exact": "maybe"}, "exact"), ({"targets": ["learners"], "shoe": 9}, "shoe")])
def test_counting_alone_refuses_what_creating_refuses(client, people, payload, field):  # pylint: disable=unused-argument
    response = post(client, "recipients/count/", payload)
    assert response.status_code == 400
    assert field in response.json()


def test_count_by_query_string_keeps_working(client, people):  # pylint: disable=unused-argument
    answer = client.get(API + "recipients/?target=learners").json()
    assert (answer["count"], answer["count_status"]) == (len(population.LEARNERS), "exact")


def test_count_with_no_grades_in_the_course_says_nobody_passed(client):
    f.course(modes=("audit",))
    f.learner(username="fresh")
    staffer = f.user()
    f.grant(staffer, "staff")
    client.force_login(staffer)
    response = post(client, "recipients/", {"targets": ["learners"], "filters": {"passed": True}})
    assert (response.status_code, response.json()["count"]) == (200, 0)


# Creating an email to a selection

def test_create_with_a_name_that_matches_nobody_answers_400_listing_it(client, people):  # pylint: disable=unused-argument
    response = post(client, "emails/", email(targets=["learners"], individuals=["no_grade", "ghost@example.com"]))
    assert response.status_code == 400
    assert response.json()["not_found"] == ["ghost@example.com"]
    assert "ghost@example.com" in response.json()["individuals"]


def test_create_with_a_wrong_filter_answers_400_naming_it(client, people):  # pylint: disable=unused-argument
    response = post(client, "emails/", email(targets=["learners"], filters={"inactive_days": 0}))
    assert response.status_code == 400
    assert list(response.json()["filters"]) == ["inactive_days"]


def test_create_with_filters_that_keep_nobody_answers_400(client, people):  # pylint: disable=unused-argument
    response = post(client, "emails/", email(targets=["learners"], filters={"passed": True, "never_started": True}))
    assert response.status_code == 400
    assert "filters" in response.json()["targets"]


def test_created_email_shows_its_selection_in_words(client, people):  # pylint: disable=unused-argument
    response = post(client, "emails/", email(targets=["learners"], individuals=["DORMANT@example.com"],
                                             filters={"grade_below": 60, "passed": False}, schedule=later()))
    assert response.status_code == 201
    body = response.json()
    assert (body["individuals"], body["filters"]) == (["dormant"], {"passed": False, "grade_below": 60})
    assert body["selection"] == "All Learners, 1 named learner who have not passed, scored below 60%"


def test_email_to_named_learners_only_is_created(client, people):  # pylint: disable=unused-argument
    response = post(client, "emails/", email(individuals=["no_grade"], schedule=later()))
    assert response.status_code == 201
    assert response.json()["targets"] == []


def test_send_reaches_exactly_the_filtered_selection(client, people, settings, django_capture_on_commit_callbacks):  # pylint: disable=unused-argument
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "emails/", email(targets=["staff", "learners"], individuals=["dormant"],
                                                 filters={"never_started": True}))
    assert response.status_code == 201
    ledger = Delivery.objects.filter(task__email_id=response.json()["id"]).values_list("user__username", flat=True)
    assert set(ledger) == {"staffer", "just_below", "no_grade", "dormant"}


# Editing a scheduled email's selection

def test_patch_changes_the_selection(client, people):  # pylint: disable=unused-argument
    created = post(client, "emails/", email(targets=["learners"], schedule=later())).json()
    response = client.patch(API + f"emails/{created['id']}/", json.dumps(
        {"individuals": ["dormant"], "filters": {"enrolled_within_days": 7}}), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["selection"] == "All Learners, 1 named learner who enrolled in the last 7 days"


def test_patch_with_a_name_that_matches_nobody_answers_400(client, people):  # pylint: disable=unused-argument
    created = post(client, "emails/", email(targets=["learners"], schedule=later())).json()
    response = client.patch(API + f"emails/{created['id']}/", json.dumps({"individuals": ["ghost"]}),
                            content_type="application/json")
    assert (response.status_code, response.json()["not_found"]) == (400, ["ghost"])


def test_patch_clearing_the_filters_keeps_the_groups(client, people):  # pylint: disable=unused-argument
    created = post(client, "emails/", email(targets=["learners"], filters={"passed": False}, schedule=later())).json()
    response = client.patch(API + f"emails/{created['id']}/", json.dumps({"filters": {}}),
                            content_type="application/json")
    assert (response.json()["filters"], response.json()["selection"]) == ({}, "All Learners")


# The history report

def test_history_csv_describes_the_selection_in_words(client, people):  # pylint: disable=unused-argument
    post(client, "emails/", email(targets=["learners"], filters={"passed": False}, schedule=later()))
    content = b"".join(client.get(API + "emails/history.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[0]["Send to"] == "All Learners who have not passed"
