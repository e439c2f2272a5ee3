"""
Every part a person reads is translatable, proven with the dummy language ``eo`` that
``make dummy_translations`` generates (accented, padded English) and that ships compiled in
``openedx_bulkmail_plugin/conf/locale``: under ``eo`` the Email page, the course email, the
unsubscribe pages and the REST API's errors all change language.
"""
import json
import re
from pathlib import Path

import pytest
from django.utils import translation
from edx_ace import presentation

import openedx_bulkmail_plugin
from openedx_bulkmail_plugin.dashboard.catalog import page_strings
from openedx_bulkmail_plugin.sending.channel import BulkMailEmailChannel
from openedx_bulkmail_plugin.sending.message import build_message
from openedx_bulkmail_plugin.unsubscribe.tokens import make_token
from tests import factories
from tests.course_emails import course_email

pytestmark = pytest.mark.django_db

EO = {"HTTP_ACCEPT_LANGUAGE": "eo"}


def in_eo(text):
    """The dummy translation of an English string; it must differ, or the test proves nothing."""
    with translation.override("eo"):
        translated = translation.gettext(text)
    assert translated != text, f"no eo translation of {text!r}: run make dummy_translations compile_translations"
    return translated


@pytest.fixture
def staff_client(client):
    factories.course(display_name="Moon Rocks 101")
    factories.learner()
    person = factories.user(username="ines")
    factories.grant(person, "staff")
    client.force_login(person)
    return client


def test_email_page_is_in_the_dummy_language(staff_client):
    response = staff_client.get(f"/bulkmail/courses/{factories.COURSE_KEY}/", **EO)

    page = response.content.decode()
    assert '<html lang="eo"' in page
    assert in_eo("Skip to content") in page
    # The script's strings come from the server's catalogue in the page's language.
    assert json.dumps(in_eo("Send an email"))[1:-1] in page
    assert "Send an email" not in page


def test_every_string_of_the_page_script_is_in_the_shipped_catalogue():
    """A page string added without regenerating the catalogues fails here (see the Makefile's i18n targets)."""
    def texts(strings):
        for value in strings.values():
            yield from (value.values() if isinstance(value, dict) else [value])

    with translation.override("en"):
        english = list(texts(page_strings()))
    with translation.override("eo"):
        dummy = list(texts(page_strings()))
    untranslated = [text for text, translated in zip(english, dummy, strict=True)
                    if text == translated and text.strip(", ")]
    assert untranslated == []


def test_no_translatable_string_hides_a_character_behind_an_escape():
    """xgettext keeps ``\\u201c`` as a backslash and letters: such a msgid matches no catalogue entry."""
    package = Path(openedx_bulkmail_plugin.__file__).parent
    escaped = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""\b_\(\s*["'][^"']*\\u[0-9a-fA-F]{4}""", line)
    ]
    assert escaped == []


def test_course_email_is_in_the_course_language():
    course = factories.course(display_name="Moon Rocks 101", language="eo")
    learner = factories.learner(username="ada")
    message = build_message(course_email(), learner, course)

    rendered = presentation.render(BulkMailEmailChannel(), message)

    assert message.language == "eo"
    with translation.override("eo"):
        footer = translation.gettext("Unsubscribe from email about %(course_name)s") % {"course_name": "Moon Rocks 101"}
    assert footer != "Unsubscribe from email about Moon Rocks 101"
    assert footer in rendered.body_html


def test_unsubscribe_pages_are_in_the_dummy_language(client):
    factories.course(display_name="Moon Rocks 101")
    learner = factories.learner(username="ada")
    link = f"/bulkmail/unsubscribe/{make_token(learner, factories.COURSE_KEY)}/"

    confirm = client.get(link, **EO).content.decode()
    done = client.post(link, {"List-Unsubscribe": "One-Click"}, **EO).content.decode()
    again = client.get(link, **EO).content.decode()

    assert in_eo("Unsubscribe from course email?") in confirm
    assert in_eo("Re-subscribe") in done and "Re-subscribe" not in done
    assert in_eo("Want its email again?") in again


def test_api_errors_are_in_the_dummy_language(staff_client):
    payload = {"subject": "", "body": "<p>Hi</p>", "targets": ["learners"]}

    response = staff_client.post(f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/emails/",
                                 json.dumps(payload), content_type="application/json", **EO)

    assert response.status_code == 400
    assert in_eo("Enter a subject.") in response.content.decode()
    assert "Enter a subject." not in response.content.decode()
