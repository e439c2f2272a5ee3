"""
Our ACE email channel: what reaches the mail server, with which headers, over which connection.
"""
import pytest
from django.core.mail import get_connection
from edx_ace import ace, presentation
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin.sending.channel import BulkMailEmailChannel, list_id, sending_over
from openedx_bulkmail_plugin.sending.message import build_message
from openedx_bulkmail_plugin.unsubscribe.tokens import read_token
from tests import factories
from tests.course_emails import course_email

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_ace_plugins")]


@pytest.fixture
def course(settings):
    settings.LMS_ROOT_URL = "https://lms.example"
    return factories.course(key="course-v1:DemoX+Mail101+2026", display_name="Mail 101")


@pytest.fixture
def learner(course):
    return factories.learner(course_key=course.id, username="ada", name="Ada Lovelace")


def deliver(email, user, course):
    """Deliver one message through the channel, as the Mailer does, outside any Mailer."""
    channel = BulkMailEmailChannel()
    message = build_message(email, user, course)
    channel.deliver(message, presentation.render(channel, message))


def received(sink, index=0):
    return sink.messages[index][1]


def test_channel_delivers_text_and_html_to_the_learner(smtp_settings, course, learner):
    deliver(course_email(course_key=course.id, html="<p>Hello <b>class</b></p>"), learner, course)

    mail = received(smtp_settings)
    assert smtp_settings.recipients() == ["ada@example.com"]
    assert "Hello class" in mail.get_body(("plain",)).get_content()
    assert "<p>Hello <b>class</b></p>" in mail.get_body(("html",)).get_content()


def test_list_unsubscribe_header_is_the_learners_one_click_url(smtp_settings, course, learner):
    deliver(course_email(course_key=course.id), learner, course)

    header = str(received(smtp_settings)["List-Unsubscribe"]).strip()
    assert header.startswith("<https://lms.example/bulkmail/unsubscribe/") and header.endswith("/>")
    token = header[1:-2].rsplit("/", 1)[-1]
    assert read_token(token) == (learner.id, course.id)


def test_list_unsubscribe_post_header_announces_one_click(smtp_settings, course, learner):
    deliver(course_email(course_key=course.id), learner, course)

    assert str(received(smtp_settings)["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"


def test_list_id_header_names_the_course(smtp_settings, course, learner):
    deliver(course_email(course_key=course.id), learner, course)

    assert str(received(smtp_settings)["List-Id"]).strip() == '"Mail 101" <Mail101.2026.DemoX.lms.example>'


def test_list_id_keeps_a_course_name_that_is_not_ascii(smtp_settings, settings, learner):
    settings.LMS_ROOT_URL = "https://lms.example"
    cafe = factories.course(key="course-v1:DemoX+Cafe+2026", display_name="Café «Français»")

    deliver(course_email(course_key=cafe.id), learner, cafe)

    assert str(received(smtp_settings)["List-Id"]).strip() == "Café «Français» <Cafe.2026.DemoX.lms.example>"


def test_list_id_keeps_a_long_course_name_that_is_not_ascii(smtp_settings, settings, learner):
    settings.LMS_ROOT_URL = "https://lms.example"
    name = "Ünïcödé 课程: an advanced course about everything under the sun and the moon, part two"
    long_course = factories.course(key="course-v1:DemoX+Long+2026", display_name=name)

    deliver(course_email(course_key=long_course.id), learner, long_course)

    assert str(received(smtp_settings)["List-Id"]).strip() == f"{name} <Long.2026.DemoX.lms.example>"


@pytest.mark.parametrize("course_id, expected", [
    ("course-v1:DemoX+Mail101+2026", "Mail101.2026.DemoX.lms.example"),
    ("course-v1:Demo_X+Mail.101+2026_T1", "Mail-101.2026_T1.Demo_X.lms.example"),
    ("DemoX/Mail101/2026", "Mail101.2026.DemoX.lms.example"),
])
def test_list_id_is_a_dot_atom_made_of_the_course_key(course_id, expected):
    assert list_id(CourseKey.from_string(course_id), "lms.example") == expected


def test_message_id_names_the_send_and_the_learner(smtp_settings, course, learner):
    email = course_email(course_key=course.id)

    deliver(email, learner, course)

    expected = f"<bulkmail.{email.send_task.id}.{learner.id}@lms.example>"
    assert str(received(smtp_settings)["Message-ID"]).strip() == expected


def test_message_id_is_the_same_when_a_message_is_sent_again(smtp_settings, course, learner):
    email = course_email(course_key=course.id)

    deliver(email, learner, course)
    deliver(email, learner, course)

    assert str(received(smtp_settings, 0)["Message-ID"]) == str(received(smtp_settings, 1)["Message-ID"])


def test_message_ids_of_two_learners_differ(smtp_settings, course, learner):
    other = factories.learner(course_key=course.id)
    email = course_email(course_key=course.id)

    deliver(email, learner, course)
    deliver(email, other, course)

    assert str(received(smtp_settings, 0)["Message-ID"]) != str(received(smtp_settings, 1)["Message-ID"])


def test_channel_sends_over_the_connection_it_is_given(smtp_settings, course, learner):
    email = course_email(course_key=course.id)
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        with sending_over(connection):
            for _ in range(3):
                deliver(email, learner, course)
    finally:
        connection.close()

    assert len(smtp_settings.messages) == 3
    assert smtp_settings.connections_used() == 1


def test_channel_outside_a_mailer_opens_a_connection_per_message(smtp_settings, course, learner):
    email = course_email(course_key=course.id)

    deliver(email, learner, course)
    deliver(email, learner, course)

    assert smtp_settings.connections_used() == 2


def test_ace_send_routes_course_mail_through_this_channel(smtp_settings, course, learner):
    ace.send(build_message(course_email(course_key=course.id), learner, course))

    assert str(received(smtp_settings)["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
