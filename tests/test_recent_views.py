"""
The once-a-week guard over HTTP: a selection and a time in, the count and whether to warn out.
"""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from tests import factories

pytestmark = pytest.mark.django_db
URL = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/recipients/recent/"


@pytest.fixture
def staff(client):
    factories.course()
    person = factories.user(username="ines")
    factories.grant(person, "staff")
    client.force_login(person)
    return person


@pytest.fixture
def sent_last_week():
    """An email of the course that reached ada and bob three days ago."""
    people = [factories.learner(username=name) for name in ("ada", "bob")]
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, subject="Sent", html_message="<p>x</p>",
                                       targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.SUCCESS,
                                   started_at=timezone.now() - timedelta(days=3))
    for person in people:
        Delivery.objects.create(task=task, user=person, status=Delivery.SENT)
    return email


def ask(client, payload):
    return client.post(URL, json.dumps(payload), content_type="application/json")


def test_learners_who_got_an_email_this_week_are_warned_about(client, staff, sent_last_week):  # pylint: disable=unused-argument
    response = ask(client, {"targets": ["learners"]})

    assert response.status_code == 200
    assert response.json() == {"count": 1, "window_days": 7, "warn_at": 1, "warn": True, "exact": True}


def test_a_send_scheduled_two_weeks_later_is_not_warned_about(client, staff, sent_last_week):  # pylint: disable=unused-argument
    response = ask(client, {"targets": ["learners"], "schedule": (timezone.now() + timedelta(days=14)).isoformat()})

    assert (response.json()["count"], response.json()["warn"]) == (0, False)


def test_named_learners_are_counted_as_typed(client, staff, sent_last_week):  # pylint: disable=unused-argument
    assert ask(client, {"individuals": ["ADA@example.com", "ghost"]}).json()["count"] == 1


def test_the_guard_can_be_off(client, staff, sent_last_week, settings):  # pylint: disable=unused-argument
    settings.BULKMAIL_RECENT_EMAILS_WARN_AT = 0

    assert ask(client, {"targets": ["learners"]}).json() == {"count": None, "window_days": 7, "warn_at": None,
                                                             "warn": False, "exact": True}


@pytest.mark.parametrize("payload, field", [
    ({"targets": ["cohort:Nobody"]}, "targets"),
    ({"targets": ["learners"], "filters": {"grade_below": 300}}, "filters"),
    ({"targets": ["learners"], "schedule": "soon"}, "schedule"),
    ({"targets": ["learners"], "colour": "red"}, "colour"),
])
def test_a_wrong_question_answers_400_naming_the_field(client, staff, payload, field):  # pylint: disable=unused-argument
    response = ask(client, payload)

    assert response.status_code == 400
    assert field in response.json()


def test_an_empty_selection_counts_nothing(client, staff, sent_last_week):  # pylint: disable=unused-argument
    assert ask(client, {}).json()["count"] == 0
