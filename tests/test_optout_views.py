"""
The learner's own switch for one course's email: GET/PUT ``courses/<course_id>/optout/``.
"""
import pytest
from opaque_keys.edx.keys import CourseKey

from devsite.bulk_email.models import Optout
from tests import factories

pytestmark = pytest.mark.django_db


URL = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/optout/"
OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")


@pytest.fixture
def learner(client):
    factories.course()
    person = factories.learner()
    client.force_login(person)
    return person


def put(client, body):
    return client.put(URL, body, content_type="application/json")


def test_learner_who_never_opted_out_reads_false(learner, client):
    assert client.get(URL).json() == {"opted_out": False}


def test_opting_out_writes_the_platform_optout_row(learner, client):
    response = put(client, {"opted_out": True})

    assert response.json() == {"opted_out": True}
    assert Optout.objects.filter(user=learner, course_id=factories.COURSE_KEY).exists()


def test_opting_in_again_removes_the_optout_row(learner, client):
    factories.opt_out(learner)

    response = put(client, {"opted_out": False})

    assert response.json() == {"opted_out": False}
    assert not Optout.objects.filter(user=learner).exists()


def test_opting_out_twice_keeps_one_row(learner, client):
    put(client, {"opted_out": True})
    put(client, {"opted_out": True})

    assert Optout.objects.filter(user=learner).count() == 1


def test_optout_reflects_the_dashboard_toggle(learner, client):
    factories.opt_out(learner)

    assert client.get(URL).json() == {"opted_out": True}


def test_optout_of_one_course_leaves_another_alone(learner, client):
    factories.course(OTHER_KEY)
    factories.opt_out(learner, OTHER_KEY)

    assert client.get(URL).json() == {"opted_out": False}


def test_user_not_enrolled_may_opt_out(client):
    factories.course()
    client.force_login(factories.user())

    assert put(client, {"opted_out": True}).status_code == 200


def test_anonymous_gets_401(client):
    factories.course()

    assert client.get(URL).status_code == 401


def test_answers_are_json_that_browsers_must_not_sniff(learner, client):
    response = client.get(URL)

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_malformed_course_key_gets_400_naming_course_id(learner, client):
    response = client.get("/api/bulkmail/v1/courses/not-a-course/optout/")

    assert response.status_code == 400
    assert "course_id" in response.json()


def test_unknown_course_gets_404(learner, client):
    response = client.get("/api/bulkmail/v1/courses/course-v1:NoX+None+2026/optout/")

    assert response.status_code == 404


def test_unknown_field_is_refused_by_name(learner, client):
    response = put(client, {"opted_out": True, "course": "other"})

    assert response.status_code == 400
    assert "course" in response.json()


def test_missing_choice_is_refused_naming_opted_out(learner, client):
    response = put(client, {})

    assert response.status_code == 400
    assert "opted_out" in response.json()


def test_non_boolean_choice_is_refused_naming_opted_out(learner, client):
    response = put(client, {"opted_out": "maybe"})

    assert response.status_code == 400
    assert "opted_out" in response.json()


def test_body_that_is_not_an_object_is_refused(learner, client):
    assert put(client, [True]).status_code == 400


def test_malformed_json_is_refused(learner, client):
    response = client.put(URL, "{opted_out: true", content_type="application/json")

    assert response.status_code == 400
    assert not Optout.objects.exists()
