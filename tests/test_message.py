"""
What a learner reads: the personalised subject and bodies, the footer, the sender, the language.
"""
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy

import pytest
from edx_ace import presentation
from edx_ace.channel import ChannelType
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin import platform
from openedx_bulkmail_plugin.sending.channel import BulkMailEmailChannel
from openedx_bulkmail_plugin.sending.message import build_message, render_preview
from openedx_bulkmail_plugin.sending.policy import CourseOptoutPolicy
from openedx_bulkmail_plugin.unsubscribe.tokens import unsubscribe_url
from tests import factories
from tests.course_emails import course_email

pytestmark = pytest.mark.django_db

END = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def course():
    return factories.course(display_name="Moon Rocks 101", end=END)


@pytest.fixture
def learner(course):  # pylint: disable=unused-argument
    return factories.learner(username="ada", name="Ada <Lovelace> & Co")


def render(email, user, course):
    """The message as ACE's presentation step renders it for our channel."""
    return presentation.render(BulkMailEmailChannel(), build_message(email, user, course))


def sent_mail(email, user, course):
    """The MIME message our channel would hand to the mail server."""
    message = build_message(email, user, course)
    mail = BulkMailEmailChannel().build_mail(message, presentation.render(BulkMailEmailChannel(), message))
    return message_from_bytes(mail.message().as_bytes(), policy=email_policy.default)


def test_message_is_addressed_to_the_learner(course, learner):
    message = build_message(course_email(), learner, course)

    assert (message.recipient.lms_user_id, message.recipient.email_address) == (learner.id, learner.email)
    assert (message.app_label, message.name) == ("openedx_bulkmail_plugin", "course_email")


def test_keywords_are_substituted_in_the_subject_without_escaping(course, learner):
    email = course_email(subject="%%USER_FULLNAME%%: news from %%COURSE_DISPLAY_NAME%%")

    assert render(email, learner, course).subject.strip() == "Ada <Lovelace> & Co: news from Moon Rocks 101"


def test_keyword_values_are_html_escaped_in_the_html_body(course, learner):
    email = course_email(html="<p>Dear %%USER_FULLNAME%%,</p>")

    assert "<p>Dear Ada &lt;Lovelace&gt; &amp; Co,</p>" in render(email, learner, course).body_html


def test_keyword_values_are_plain_in_the_text_body(course, learner):
    email = course_email(html="<p>Dear %%USER_FULLNAME%%,</p>")

    assert "Dear Ada <Lovelace> & Co," in render(email, learner, course).body


def test_user_id_keyword_is_the_anonymous_id_for_the_course(course, learner):
    email = course_email(html="<p>Your id: %%USER_ID%%</p>")

    anonymous_id = platform.anonymous_id_for_user(learner, factories.COURSE_KEY)
    assert f"Your id: {anonymous_id}" in render(email, learner, course).body_html


def test_course_end_date_keyword_is_the_course_end(course, learner):
    email = course_email(html="<p>Ends %%COURSE_END_DATE%%</p>")

    assert "Ends June 30, 2026" in render(email, learner, course).body_html


def test_keyword_in_a_value_is_not_substituted_again(course):
    tricky = factories.learner(username="mallory", name="%%USER_ID%%")
    email = course_email(subject="Hi %%USER_FULLNAME%%")

    assert render(email, tricky, course).subject.strip() == "Hi %%USER_ID%%"


def test_full_name_falls_back_to_the_username(course):
    nameless = factories.learner(username="nameless", name="")
    email = course_email(subject="Hi %%USER_FULLNAME%%")

    assert render(email, nameless, course).subject.strip() == "Hi nameless"


def test_subject_keeps_characters_html_would_escape(course, learner):
    email = course_email(subject="Q&A <live> \"today\"")

    assert render(email, learner, course).subject.strip() == "Q&A <live> \"today\""


def test_instructor_html_is_kept_as_written(course, learner):
    email = course_email(html='<table><tr><td style="color:red">Grades</td></tr></table>')

    assert '<td style="color:red">Grades</td>' in render(email, learner, course).body_html


def test_text_body_is_derived_from_the_html_with_link_urls(course, learner):
    email = course_email(
        html='<p>Read <a href="https://example.org/syllabus">the syllabus</a>.</p><ul><li>One</li></ul>')

    body = render(email, learner, course).body

    assert "Read the syllabus (https://example.org/syllabus)." in body
    assert "- One" in body
    assert "<" not in body.split("--")[0]


def test_text_body_leaves_out_styles_and_scripts_and_decodes_entities(course, learner):
    email = course_email(html="<style>p {color: red}</style><script>track()</script><p>Fish &amp; chips&nbsp;today</p>")

    body = render(email, learner, course).body

    assert body.startswith("Fish & chips today")
    assert "color" not in body and "track" not in body


def test_text_body_written_by_the_instructor_is_used(course, learner):
    email = course_email(html="<p>HTML version</p>", text="Text version for %%USER_FULLNAME%%")

    body = render(email, learner, course).body

    assert body.startswith("Text version for Ada <Lovelace> & Co")
    assert "HTML version" not in body


def test_html_footer_links_to_unsubscribe_and_names_the_course(course, learner):
    body_html = render(course_email(), learner, course).body_html

    assert f'href="{unsubscribe_url(learner, factories.COURSE_KEY)}"' in body_html
    assert "Moon Rocks 101" in body_html and "Demo Open edX" in body_html


def test_text_footer_gives_the_unsubscribe_url_and_the_course(course, learner):
    body = render(course_email(), learner, course).body

    assert unsubscribe_url(learner, factories.COURSE_KEY) in body
    assert "Moon Rocks 101" in body


def test_course_name_is_escaped_in_the_html_footer(learner):
    odd_course = factories.course(key="course-v1:TestX+Lab+2026", display_name="R&D <Lab>")

    body_html = render(course_email(course_key=odd_course.id), learner, odd_course).body_html

    assert "R&amp;D &lt;Lab&gt;" in body_html and "<Lab>" not in body_html


def test_missing_course_overview_uses_the_course_key_as_name(learner):
    email = course_email(subject="%%COURSE_DISPLAY_NAME%%")

    assert render(email, learner, None).subject.strip() == str(factories.COURSE_KEY)


def test_message_renders_in_the_course_language(learner):
    french = factories.course(key="course-v1:TestX+Lune+2026", display_name="Roches lunaires", language="fr", end=END)
    email = course_email(html="<p>Fin : %%COURSE_END_DATE%%</p>", course_key=french.id)

    message = build_message(email, learner, french)
    rendered = presentation.render(BulkMailEmailChannel(), message)

    assert message.language == "fr"
    assert '<div lang="fr"' in rendered.body_html
    assert "Fin : 30 juin 2026" in rendered.body_html


def test_course_without_language_renders_in_the_site_language(settings, learner):
    settings.LANGUAGE_CODE = "en"
    plain = factories.course(key="course-v1:TestX+Plain+2026", language="")
    email = course_email(course_key=plain.id)

    assert build_message(email, learner, plain).language == "en"


def test_sender_is_the_configured_from_address(settings, course, learner):
    settings.BULKMAIL_FROM_EMAIL = "classes@school.example"

    assert sent_mail(course_email(), learner, course)["From"].addresses[0].addr_spec == "classes@school.example"


def test_course_specific_sender_names_the_course_staff(settings, course, learner):
    settings.BULKMAIL_COURSE_SPECIFIC_FROM = True

    sender = sent_mail(course_email(), learner, course)["From"].addresses[0]

    assert sender.display_name == '"Moon Rocks 101" Course Staff'
    assert sender.addr_spec == "course-mail@demo.example.com"


@pytest.mark.parametrize("title", ['The "Best" Course', "Ünïcödé 课程 <advanced>", "Line\nbreak, and, commas"])
def test_course_specific_sender_survives_any_course_title(settings, learner, title):
    settings.BULKMAIL_COURSE_SPECIFIC_FROM = True
    odd = factories.course(key="course-v1:TestX+Odd+2026", display_name=title)

    sender = sent_mail(course_email(course_key=odd.id), learner, odd)["From"].addresses

    expected_title = " ".join(title.replace('"', "").split())
    assert [(a.display_name, a.addr_spec) for a in sender] == [
        (f'"{expected_title}" Course Staff', "course-mail@demo.example.com")]


def test_from_name_template_gives_the_readable_sender_name(settings, learner):
    settings.BULKMAIL_COURSE_SPECIFIC_FROM = True
    cafe = factories.course(key="course-v1:TestX+Cafe+2026", display_name="Café")

    assert render(course_email(course_key=cafe.id), learner, cafe).from_name.strip() == '"Café" Course Staff'


def test_preview_is_what_the_learner_receives(course, learner):
    email = course_email(subject="Hello %%USER_FULLNAME%%", html="<p>Dear %%USER_FULLNAME%%</p>")

    subject, html = render_preview(email, learner, course)

    mail = sent_mail(email, learner, course)
    assert subject == mail["Subject"]
    assert html == mail.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n")


def test_optout_policy_denies_email_to_an_opted_out_learner(course, learner):
    factories.opt_out(learner)

    assert CourseOptoutPolicy().check(build_message(course_email(), learner, course)).deny == {ChannelType.EMAIL}


def test_optout_policy_allows_a_learner_who_did_not_opt_out(course, learner):
    assert CourseOptoutPolicy().check(build_message(course_email(), learner, course)).deny == set()


def test_optout_of_another_course_does_not_count(course, learner):
    factories.opt_out(learner, course_key=CourseKey.from_string("course-v1:TestX+Other+2026"))

    assert CourseOptoutPolicy().check(build_message(course_email(), learner, course)).deny == set()
