"""
The OpenAPI schema the plugin serves: valid, complete, and true enough for schemathesis to
call every operation with generated input without meeting a server error.
"""
import re
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.rest_api.v1 import urls as api_urls
from tests import factories

SCHEMA_URL = "/api/bulkmail/v1/schema/"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "rest_api.rst"
EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def schema(client, db):  # pylint: disable=unused-argument
    GENERATOR_STATS.reset()
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def documented_operations():
    """(OpenAPI path, method) of every row of the tables in docs/rest_api.rst."""
    rows = re.findall(r"^``([^`]+)``\s+(GET|POST|PUT|PATCH|DELETE)\s", DOCS.read_text(), re.MULTILINE)
    operations = []
    for path, method in rows:
        path = path.split("?")[0].replace("{course}", "courses/{course_id}").replace("<course_id>", "{course_id}")
        path = path.replace("<id>", "{email_id}").replace("<template_id>", "{template_id}")
        operations.append(("/api/bulkmail/v1/" + path, method.lower()))
    return operations


def test_every_operation_is_documented_on_spectacular_autoschema():
    """
    Method-level docs must go through the plugin's ``extend_schema`` (rest_api/v1/base.py).

    drf-spectacular's own decorator builds on the LMS's DEFAULT_SCHEMA_CLASS; where that is
    DRF's (as on the dev site), the schema view would fail on such a method.
    """
    wrong = []
    for pattern in api_urls.urlpatterns:
        view = pattern.callback.cls
        for method in ("get", "post", "put", "patch", "delete"):
            schema = getattr(getattr(view, method, None), "kwargs", {}).get("schema")
            if schema is not None and not issubclass(schema, AutoSchema):
                wrong.append(f"{view.__module__}.{view.__name__}.{method}")
    assert not wrong, "use openedx_bulkmail_plugin.rest_api.v1.base.extend_schema on: " + ", ".join(wrong)


def test_schema_is_served_as_json(client, db):  # pylint: disable=unused-argument
    response = client.get(SCHEMA_URL)

    assert response["Content-Type"].startswith("application/json")


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_schema_generates_without_warnings(schema):  # pylint: disable=unused-argument
    assert not GENERATOR_STATS, "drf-spectacular could not describe part of the API (see its warnings above)"


@pytest.mark.parametrize("path, method", documented_operations(), ids=lambda value: str(value))
def test_schema_describes_documented_operation(schema, path, method):
    assert method in schema["paths"].get(path, {}), f"{method.upper()} {path} is missing from the schema"


def test_schema_describes_both_ways_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]

    assert {scheme["in"] for scheme in schemes.values()} == {"cookie", "header"}


@pytest.fixture
def course_with_history(settings):  # pylint: disable=redefined-outer-name
    """A course whose staff member has sent, scheduled and failed emails, for the operations to find."""
    factories.course()
    staff = factories.user(username="schemathesis_staff")
    factories.grant(staff, "staff")
    learners = [factories.learner() for _ in range(3)]
    for state in (SendTask.SUCCESS, SendTask.SCHEDULED, SendTask.FAILURE):
        email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=staff, subject=state,
                                           html_message="<p>Hello</p>", targets=["learners"])
        task = SendTask.objects.create(email=email, state=state)
        for person in learners:
            Delivery.objects.create(task=task, user=person, status=Delivery.SENT)
    return staff


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_no_operation_answers_a_server_error(transactional_db, course_with_history):  # pylint: disable=unused-argument
    """
    Every operation, called as the course's staff with generated valid and invalid input.

    The course key in the path is fixed to the real course (random keys would only
    exercise the 400 for a malformed key); everything else is generated.
    """
    api = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())
    headers = {"Authorization": f"JWT {factories.jwt_token(course_with_history)}"}
    failures = []
    for result in api.get_all_operations():
        operation = result.ok()
        failures.extend(server_errors(operation, GenerationMode.POSITIVE, headers))
        if has_free_inputs(operation):
            failures.extend(server_errors(operation, GenerationMode.NEGATIVE, headers))
    assert not failures, "\n".join(failures)


def has_free_inputs(operation):
    """Whether there is anything to make invalid besides the fixed course key."""
    free_path_parameters = [parameter for parameter in operation.path_parameters if parameter.name != "course_id"]
    return bool(free_path_parameters or len(operation.query) or len(operation.body))


def server_errors(operation, mode, headers):
    """What generated requests of ``operation`` met a 5xx (or were not let in), as readable lines."""
    path_parameters = {"course_id": str(factories.COURSE_KEY)} if "{course_id}" in operation.path else None
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    failures = []

    @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def call(case):
        response = case.call(headers=headers)
        # The staff member is always let in: a 401 or 403 would mean the run tested nothing.
        if response.status_code >= 500 or response.status_code in (401, 403):
            failures.append(f"{response.status_code} from {case.as_curl_command(headers=headers)}")

    call()  # pylint: disable=no-value-for-parameter
    return failures
