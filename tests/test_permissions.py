"""
Who may use each course-scoped endpoint: a matrix over every route of the API and every role.

The endpoints are read from the URLconf, so a route added later is covered without
editing this file (a route with an id of a new kind needs that id in ``concrete_path``;
the matrix fails with a KeyError naming it until it has one); a test checks that every
route documented in docs/rest_api.rst is among them.
"""
import re
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.urls import resolve
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin.models import CourseAuthorization, CourseEmail, CourseTemplate, SendTask
from openedx_bulkmail_plugin.rest_api.v1 import urls as api_urls
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")]


PREFIX = "/api/bulkmail/v1/"
OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "rest_api.rst"
LEARNER_SCOPED = {"optout"}
METHODS = ("get", "post", "put", "patch", "delete")
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def course_routes():
    """(route name, regex, view class, HTTP methods) of every course-scoped staff endpoint."""
    routes = []
    for pattern in api_urls.urlpatterns:
        regex = pattern.pattern.regex.pattern
        if "course_id" not in regex or pattern.name in LEARNER_SCOPED:
            continue
        view = pattern.callback.view_class
        methods = [method.upper() for method in METHODS if hasattr(view, method)]
        routes.extend((pattern.name, regex, method) for method in methods)
    return routes


def concrete_path(regex, course_key, objects):
    """The route's path in ``course_key``, each id group filled from ``objects`` (an email and a template)."""
    email, template = objects
    values = {"course_id": str(course_key), "email_id": str(email.id), "template_id": str(template.id)}
    path = GROUP.sub(lambda match: values[match.group(1)], regex)
    return PREFIX + path.strip("^$").replace("\\.", ".")


ROUTES = course_routes()
ROUTE_IDS = [f"{method} {name}" for name, _regex, method in ROUTES]
ID_ROUTES = [route for route in ROUTES if set(GROUP.findall(route[1])) - {"course_id"}]
ID_ROUTE_IDS = [f"{method} {name}" for name, _regex, method in ID_ROUTES]


def learner():
    return factories.learner()


def beta_tester():
    person = factories.learner()
    factories.grant(person, "beta_testers")
    return person


def discussion_moderator():
    person = factories.learner()
    factories.discussion_role(person, "Moderator")
    return person


def staff_of_another_course():
    person = factories.user()
    factories.grant(person, "staff", OTHER_KEY)
    return person


def org_level_staff():
    person = factories.user()
    factories.grant(person, "staff", course_key=None, org=factories.COURSE_KEY.org)
    return person


def course_staff():
    person = factories.user()
    factories.grant(person, "staff")
    return person


def course_instructor():
    person = factories.user()
    factories.grant(person, "instructor")
    return person


def global_staff():
    return factories.user(is_staff=True)


REFUSED = [learner, beta_tester, discussion_moderator, staff_of_another_course, org_level_staff]
ALLOWED = [course_staff, course_instructor, global_staff]


@pytest.fixture
def email_of_course():
    """
    An email (waiting for its schedule) and a template of the course in the URL, and the
    same of another course: ``(mine, theirs)``, each an ``(email, template)`` pair.
    """
    factories.course()
    factories.course(OTHER_KEY)
    objects = []
    for key, name in ((factories.COURSE_KEY, "A"), (OTHER_KEY, "B")):
        email = CourseEmail.objects.create(course_id=key, subject=name, html_message=f"<p>{name}</p>",
                                           targets=["learners"])
        SendTask.objects.create(email=email, state=SendTask.SCHEDULED)
        objects.append((email, CourseTemplate.objects.create(course_id=key, name=name)))
    return objects


def call(client, method, path):
    if method in ("GET", "DELETE"):
        return getattr(client, method.lower())(path)
    return getattr(client, method.lower())(path, {}, content_type="application/json")


@pytest.mark.parametrize("name, regex, method", ROUTES, ids=ROUTE_IDS)
def test_anonymous_gets_401(client, email_of_course, name, regex, method):  # pylint: disable=unused-argument
    path = concrete_path(regex, factories.COURSE_KEY, email_of_course[0])

    assert call(client, method, path).status_code == 401


@pytest.mark.parametrize("role", REFUSED, ids=lambda role: role.__name__)
@pytest.mark.parametrize("name, regex, method", ROUTES, ids=ROUTE_IDS)
def test_role_without_course_staff_rights_gets_403(client, email_of_course, name, regex, method, role):  # pylint: disable=unused-argument
    client.force_login(role())
    path = concrete_path(regex, factories.COURSE_KEY, email_of_course[0])

    assert call(client, method, path).status_code == 403


@pytest.mark.parametrize("role", ALLOWED, ids=lambda role: role.__name__)
@pytest.mark.parametrize("name, regex, method", ROUTES, ids=ROUTE_IDS)
def test_course_staff_role_is_let_through(client, email_of_course, name, regex, method, role):  # pylint: disable=unused-argument
    client.force_login(role())
    path = concrete_path(regex, factories.COURSE_KEY, email_of_course[0])

    status = call(client, method, path).status_code

    assert status not in (401, 403)
    assert status < 500


@pytest.mark.parametrize("name, regex, method", ID_ROUTES, ids=ID_ROUTE_IDS)
def test_id_of_another_course_is_not_found(client, email_of_course, name, regex, method):  # pylint: disable=unused-argument
    their_email, their_template = email_of_course[1]
    client.force_login(course_staff())

    response = call(client, method, concrete_path(regex, factories.COURSE_KEY, email_of_course[1]))

    assert response.status_code == 404
    their_email.send_task.refresh_from_db()
    assert their_email.send_task.state == SendTask.SCHEDULED
    assert CourseTemplate.objects.get(pk=their_template.pk).name == "B"


def documented_routes():
    """(path, method) of every row of the tables in docs/rest_api.rst."""
    rows = re.findall(r"^``([^`]+)``\s+(GET|POST|PUT|PATCH|DELETE)\s", DOCS.read_text(), re.MULTILINE)
    return [(path.split("?")[0], method) for path, method in rows]


@pytest.mark.parametrize("path, method", documented_routes(), ids=lambda value: str(value))
def test_documented_route_is_served(email_of_course, path, method):
    email, template = email_of_course[0]
    url = PREFIX + path.replace("{course}", f"courses/{factories.COURSE_KEY}").replace(
        "<course_id>", str(factories.COURSE_KEY)).replace("<id>", str(email.id)).replace(
        "<template_id>", str(template.id))

    view = resolve(url).func.view_class

    assert hasattr(view, method.lower())


def test_every_documented_course_route_is_in_the_matrix():
    covered = {(name, method) for name, _regex, method in ROUTES}
    for path, method in documented_routes():
        if path.startswith("{course}"):
            url = PREFIX + path.replace("{course}", f"courses/{factories.COURSE_KEY}").replace(
                "<id>", "1").replace("<template_id>", "1")
            assert (resolve(url).url_name, method) in covered


def test_sending_is_refused_when_the_course_is_not_authorized(client, settings, email_of_course):  # pylint: disable=redefined-outer-name
    settings.BULKMAIL_REQUIRE_COURSE_AUTHORIZATION = True
    client.force_login(course_staff())

    response = client.post(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/",
                           {"subject": "Hi", "body": "<p>Hi</p>", "targets": ["myself"]},
                           content_type="application/json")

    assert response.status_code == 403
    assert "not enabled for this course" in response.json()["detail"]


def test_authorized_course_may_send(client, settings, email_of_course):  # pylint: disable=redefined-outer-name
    settings.BULKMAIL_REQUIRE_COURSE_AUTHORIZATION = True
    CourseAuthorization.objects.create(course_id=factories.COURSE_KEY)
    client.force_login(course_staff())

    response = client.post(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/",
                           {"subject": "Hi", "body": "<p>Hi</p>", "targets": ["myself"],
                            "schedule": (timezone.now() + timedelta(days=7)).isoformat()},
                           content_type="application/json")

    assert response.status_code == 201


def test_reading_is_allowed_when_the_course_is_not_authorized(client, settings, email_of_course):  # pylint: disable=redefined-outer-name
    settings.BULKMAIL_REQUIRE_COURSE_AUTHORIZATION = True
    client.force_login(course_staff())

    assert client.get(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/").status_code == 200


def test_course_staff_authenticates_with_a_jwt(client, email_of_course):
    token = factories.jwt_token(course_staff())

    response = client.get(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/history.csv",
                          HTTP_AUTHORIZATION=f"JWT {token}")

    assert response.status_code == 200


def test_learner_with_a_jwt_gets_403(client, email_of_course):
    token = factories.jwt_token(learner())

    response = client.get(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/history.csv",
                          HTTP_AUTHORIZATION=f"JWT {token}")

    assert response.status_code == 403


def test_jwt_with_a_wrong_signature_gets_401(client, email_of_course):
    person = course_staff()
    forged = jwt.encode({"preferred_username": person.username, "iat": int(time.time()),
                         "exp": int(time.time()) + 300, "aud": "lms-key",
                         "iss": settings.JWT_AUTH["JWT_ISSUER"]}, "not-the-secret", algorithm="HS256")

    response = client.get(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/history.csv",
                          HTTP_AUTHORIZATION=f"JWT {forged}")

    assert response.status_code == 401


def test_expired_jwt_gets_401(client, email_of_course):
    token = factories.jwt_token(course_staff(), exp=int(time.time()) - 60)

    response = client.get(f"{PREFIX}courses/{factories.COURSE_KEY}/emails/history.csv",
                          HTTP_AUTHORIZATION=f"JWT {token}")

    assert response.status_code == 401

