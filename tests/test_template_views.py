"""
The template endpoints: list, save, read, rename, delete, export and import, with a 400
naming a name in use and a 404 for another course's template.
"""
import json

import pytest

from openedx_bulkmail_plugin.models import CourseTemplate
from tests import factories

pytestmark = pytest.mark.django_db
API = f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/"
OTHER_KEY = "course-v1:OtherX+Mail+2026"


@pytest.fixture
def staff(client):
    factories.course()
    person = factories.user(username="ines", name="Ines Instructor")
    factories.grant(person, "staff")
    client.force_login(person)
    return person


def post(client, path, payload):
    return client.post(API + path, json.dumps(payload), content_type="application/json")


def patch(client, path, payload):
    return client.patch(API + path, json.dumps(payload), content_type="application/json")


def save(client, name, subject="Subject", body="<p>Body</p>"):
    response = post(client, "templates/", {"name": name, "subject": subject, "body": body})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_saved_template_answers_its_json(client, staff):  # pylint: disable=unused-argument
    template = save(client, "Welcome", "Welcome!", "<p>Hello</p>")

    assert {key: template[key] for key in ("name", "subject", "body")} == {
        "name": "Welcome", "subject": "Welcome!", "body": "<p>Hello</p>"}
    assert template["modified_by"] == {"username": "ines", "name": "Ines Instructor"}


def test_the_list_is_by_name_without_bodies(client, staff):  # pylint: disable=unused-argument
    save(client, "Reminder")
    save(client, "Certificate")

    page = client.get(API + "templates/").json()

    assert page["count"] == 2
    assert [template["name"] for template in page["results"]] == ["Certificate", "Reminder"]
    assert "body" not in page["results"][0]


def test_a_name_in_use_answers_400_naming_it(client, staff):  # pylint: disable=unused-argument
    save(client, "Welcome")

    response = post(client, "templates/", {"name": "welcome", "subject": "S", "body": "B"})

    assert response.status_code == 400
    assert response.json() == {"name": "A template named \u201cwelcome\u201d already exists in this course."}


def test_a_template_is_renamed_and_deleted(client, staff):  # pylint: disable=unused-argument
    template = save(client, "Welcome")

    renamed = patch(client, f"templates/{template['id']}/", {"name": "Welcome, week 1"})
    deleted = client.delete(API + f"templates/{template['id']}/")

    assert (renamed.status_code, renamed.json()["name"]) == (200, "Welcome, week 1")
    assert deleted.status_code == 204
    assert not CourseTemplate.objects.exists()


def test_renaming_to_a_name_in_use_answers_400(client, staff):  # pylint: disable=unused-argument
    save(client, "Welcome")
    reminder = save(client, "Reminder")

    response = patch(client, f"templates/{reminder['id']}/", {"name": "Welcome"})

    assert (response.status_code, list(response.json())) == (400, ["name"])


def test_an_empty_edit_answers_400(client, staff):  # pylint: disable=unused-argument
    template = save(client, "Welcome")

    assert patch(client, f"templates/{template['id']}/", {}).status_code == 400


def test_unknown_fields_answer_400(client, staff):  # pylint: disable=unused-argument
    response = post(client, "templates/", {"name": "Welcome", "title": "oops"})

    assert (response.status_code, list(response.json())) == (400, ["title"])


def test_a_template_of_another_course_is_not_found(client, staff):  # pylint: disable=unused-argument
    factories.course(OTHER_KEY)
    theirs = CourseTemplate.objects.create(course_id=OTHER_KEY, name="Theirs")

    assert client.get(API + f"templates/{theirs.id}/").status_code == 404
    assert patch(client, f"templates/{theirs.id}/", {"name": "Mine"}).status_code == 404
    assert client.delete(API + f"templates/{theirs.id}/").status_code == 404
    assert CourseTemplate.objects.get(pk=theirs.pk).name == "Theirs"


def test_the_export_is_a_json_file_that_imports_back(client, staff):  # pylint: disable=unused-argument
    save(client, "Welcome", "Hello", "<p>Hello</p>")

    exported = client.get(API + "templates/export.json")
    CourseTemplate.objects.all().delete()
    imported = client.post(API + "templates/import/", exported.content, content_type="application/json")

    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="Mail-email-templates.json"'
    assert json.loads(exported.content)["templates"] == [{"name": "Welcome", "subject": "Hello",
                                                          "body": "<p>Hello</p>"}]
    assert imported.json() == {"created": ["Welcome"], "replaced": [], "skipped": []}


def test_import_reports_what_it_skipped_or_replaces_on_request(client, staff):  # pylint: disable=unused-argument
    save(client, "Welcome", "Old")
    document = {"templates": [{"name": "Welcome", "subject": "New", "body": ""}]}

    skipped = post(client, "templates/import/", document)
    replaced = post(client, "templates/import/?on_conflict=replace", document)

    assert skipped.json() == {"created": [], "replaced": [], "skipped": ["Welcome"]}
    assert replaced.json() == {"created": [], "replaced": ["Welcome"], "skipped": []}
    assert CourseTemplate.objects.get().subject == "New"


@pytest.mark.parametrize("payload, field", [
    ({"templates": [{"name": "", "subject": "", "body": ""}]}, "templates"),
    ({"something": "else"}, "detail"),
    ([1, 2, 3], "detail"),
])
def test_a_bad_import_answers_400_saying_what_is_wrong(client, staff, payload, field):  # pylint: disable=unused-argument
    response = post(client, "templates/import/", payload)

    assert (response.status_code, list(response.json())) == (400, [field])


def test_an_import_file_that_is_not_json_answers_400(client, staff):  # pylint: disable=unused-argument
    response = client.post(API + "templates/import/", "not json", content_type="application/json")

    assert response.status_code == 400


def test_an_unknown_conflict_rule_answers_400(client, staff):  # pylint: disable=unused-argument
    response = post(client, "templates/import/?on_conflict=merge", {"templates": []})

    assert (response.status_code, list(response.json())) == (400, ["on_conflict"])
