"""
Course templates in the Python API: named per course, renamed, deleted, exported and imported
back, all or nothing, with a clear refusal for each thing wrong in a file.
"""
import pytest
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.course_templates import MAX_TEMPLATES
from openedx_bulkmail_plugin.models import CourseEmail, CourseTemplate
from tests import factories
from tests.sending_support import instructor

pytestmark = pytest.mark.django_db
KEY = factories.COURSE_KEY
OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")


@pytest.fixture
def author():
    factories.course()
    return instructor()


def refusal(call, *args, **kwargs):
    with pytest.raises(api.TemplateInvalid) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def test_a_template_is_saved_with_its_name_trimmed_and_its_editor(author):
    template = api.create_template(KEY, author, "  Welcome  ", "Welcome to %%COURSE_DISPLAY_NAME%%", "<p>Hi</p>")

    template.refresh_from_db()
    assert (template.name, template.subject, template.modified_by) == (
        "Welcome", "Welcome to %%COURSE_DISPLAY_NAME%%", author)


@pytest.mark.parametrize("taken", ["Welcome", "welcome", " WELCOME "])
def test_a_name_in_use_is_refused_naming_it(author, taken):
    api.create_template(KEY, author, "Welcome", "S", "B")

    errors = refusal(api.create_template, KEY, author, taken, "S", "B")

    assert errors == {"name": f"A template named \u201c{taken.strip()}\u201d already exists in this course."}


def test_the_same_name_may_be_used_by_another_course(author):
    factories.course(OTHER_KEY)
    api.create_template(KEY, author, "Welcome", "S", "B")

    assert api.create_template(OTHER_KEY, author, "Welcome", "S", "B").course_id == OTHER_KEY


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "Two\nlines", None])
def test_a_bad_name_is_refused(author, name):
    assert set(refusal(api.create_template, KEY, author, name, "S", "B")) == {"name"}


def test_renaming_to_a_name_in_use_is_refused_and_changes_nothing(author):
    api.create_template(KEY, author, "Welcome", "S", "B")
    reminder = api.create_template(KEY, author, "Reminder", "S", "B")

    errors = refusal(api.edit_template, reminder, author, name="welcome")

    assert "already exists" in errors["name"]
    assert CourseTemplate.objects.get(pk=reminder.pk).name == "Reminder"


def test_renaming_keeps_its_own_name_free_and_records_the_editor(author):
    colleague = factories.user(username="colette")
    template = api.create_template(KEY, author, "Welcome", "S", "B")

    api.edit_template(template, colleague, name="WELCOME", body="<p>New</p>")

    template.refresh_from_db()
    assert (template.name, template.subject, template.body, template.modified_by) == (
        "WELCOME", "S", "<p>New</p>", colleague)


def test_changing_a_template_never_changes_an_email_made_from_it(author):
    template = api.create_template(KEY, author, "Welcome", "Hello", "<p>Hello</p>")
    email = api.save_draft(KEY, author, subject=template.subject, body=template.body, targets=["learners"])

    api.edit_template(template, author, subject="Changed", body="<p>Changed</p>")
    api.delete_template(template)

    email = CourseEmail.objects.get(pk=email.pk)
    assert (email.subject, email.html_message) == ("Hello", "<p>Hello</p>")


def test_a_course_keeps_at_most_so_many_templates(author):
    CourseTemplate.objects.bulk_create([CourseTemplate(course_id=KEY, name=f"T{number}")
                                        for number in range(MAX_TEMPLATES)])

    assert "detail" in refusal(api.create_template, KEY, author, "One more", "S", "B")


# Export and import


def exported(*entries):
    return {"format": "openedx-bulkmail-templates", "version": 1, "templates": [
        {"name": name, "subject": f"{name} subject", "body": f"<p>{name}</p>"} for name in entries]}


def test_an_export_imports_back_into_another_course(author):
    other = OTHER_KEY
    factories.course(other)
    api.create_template(KEY, author, "Welcome", "Hello", "<p>Hello</p>")
    api.create_template(KEY, author, "Reminder", "Soon", "<p>Soon</p>")

    answer = api.import_templates(other, author, api.export_templates(KEY))

    assert answer == {"created": ["Reminder", "Welcome"], "replaced": [], "skipped": []}
    assert set(CourseTemplate.objects.filter(course_id=other).values_list("name", "subject", "body")) == {
        ("Welcome", "Hello", "<p>Hello</p>"), ("Reminder", "Soon", "<p>Soon</p>")}


def test_import_skips_names_in_use_unless_asked_to_replace_them(author):
    api.create_template(KEY, author, "Welcome", "Old", "<p>Old</p>")

    skipped = api.import_templates(KEY, author, exported("welcome", "Reminder"))
    replaced = api.import_templates(KEY, author, exported("WELCOME"), replace=True)

    assert skipped == {"created": ["Reminder"], "replaced": [], "skipped": ["Welcome"]}
    assert replaced == {"created": [], "replaced": ["Welcome"], "skipped": []}
    assert CourseTemplate.objects.get(course_id=KEY, name="Welcome").subject == "WELCOME subject"


@pytest.mark.parametrize("document", [[], "templates", {"templates": "Welcome"}, {"format": "other", "templates": []},
                                      {"version": 2, "templates": []}])
def test_a_file_that_is_not_an_export_is_refused(author, document):
    assert set(refusal(api.import_templates, KEY, author, document)) == {"detail"}


def test_each_bad_entry_is_named_by_position_and_nothing_is_imported(author):
    document = {"templates": [
        {"name": "Good", "subject": "S", "body": "B"},
        {"name": "", "subject": "S", "body": "B"},
        {"name": "Subject", "subject": ["not text"], "body": "B"},
        {"name": "Extra", "subject": "S", "body": "B", "colour": "red"},
        "just a string",
        {"name": "good", "subject": "S", "body": "B"},
    ]}

    problems = refusal(api.import_templates, KEY, author, document)["templates"]

    assert [problem.split(":")[0] for problem in problems] == [
        "Template 2", "Template 3", "Template 4", "Template 5", "Template 6"]
    assert "more than once" in problems[-1]
    assert not CourseTemplate.objects.exists()


def test_a_file_with_too_many_templates_is_refused(author):
    document = exported(*[f"T{number}" for number in range(MAX_TEMPLATES + 1)])

    assert "detail" in refusal(api.import_templates, KEY, author, document)


def test_an_import_that_would_pass_the_limit_imports_nothing(author):
    CourseTemplate.objects.bulk_create([CourseTemplate(course_id=KEY, name=f"T{number}")
                                        for number in range(MAX_TEMPLATES - 1)])

    assert "detail" in refusal(api.import_templates, KEY, author, exported("A", "B"))
    assert CourseTemplate.objects.count() == MAX_TEMPLATES - 1
