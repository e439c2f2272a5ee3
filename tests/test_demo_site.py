"""
The demo site around the plugin: the links in the mail lead somewhere, and only the
course team reads the mail sink's mailbox.
"""
import mailbox
from email.message import EmailMessage

import pytest
from django.conf import settings as django_settings
from django.test import Client

from openedx_bulkmail_plugin.unsubscribe.tokens import make_token
from tests import factories
from tests.test_browser import browser  # noqa: F401  (the page's fixture)  pylint: disable=unused-import

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_message(settings, tmp_path):
    settings.MAILBOX_DIR = tmp_path / "mailbox"
    message = EmailMessage()
    message["To"], message["Subject"] = "ada@example.com", "Week 1"
    message.set_content("Hello")
    message.add_alternative(
        '<p>Hello</p><a href="http://localhost:8000/bulkmail/unsubscribe/token/">Unsubscribe</a>', subtype="html")
    return mailbox.Maildir(settings.MAILBOX_DIR, create=True).add(message)


def test_the_course_link_in_the_mail_opens_a_page_of_the_course(client):
    factories.course(display_name="Moon Rocks 101")
    response = client.get(f"/courses/{factories.COURSE_KEY}/course/")
    assert response.status_code == 200
    assert "Moon Rocks 101" in response.content.decode()


@pytest.mark.parametrize("course_id", ["course-v1:Nope+Nope+Nope", "not-a-key"])
def test_an_unknown_course_page_is_not_found(client, course_id):
    assert client.get(f"/courses/{course_id}/course/").status_code == 404


def test_the_mailbox_asks_an_anonymous_visitor_to_sign_in(client, one_message):  # pylint: disable=unused-argument
    response = client.get("/mailbox/")
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")


def test_a_learner_may_not_read_the_mailbox(client, one_message):
    factories.course()
    client.force_login(factories.learner())
    assert client.get("/mailbox/").status_code == 403
    assert client.get(f"/mailbox/{one_message}/").status_code == 403


def test_the_course_team_reads_the_mailbox_and_links_leave_the_frame(client, one_message):
    factories.course()
    person = factories.user(username="ines")
    factories.grant(person, "staff")
    client.force_login(person)

    assert "Week 1" in client.get("/mailbox/").content.decode()
    page = client.get(f"/mailbox/{one_message}/").content.decode()
    assert "&lt;base target=&quot;_blank&quot;&gt;&lt;p&gt;Hello" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_link_of_a_message_in_the_mailbox_opens_the_unsubscribe_page(
        browser, live_server, settings, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    settings.MAILBOX_DIR = tmp_path / "mailbox"
    factories.course(display_name="Moon Rocks 101")
    learner = factories.learner(username="ada")
    message = EmailMessage()
    message["To"], message["Subject"] = learner.email, "Week 1"
    link = f"{live_server.url}/bulkmail/unsubscribe/{make_token(learner, factories.COURSE_KEY)}/"
    message.set_content("Hello")
    message.add_alternative(f'<p>Hello</p><a href="{link}">Unsubscribe</a>', subtype="html")
    key = mailbox.Maildir(settings.MAILBOX_DIR, create=True).add(message)
    team = factories.user(username="ines")
    factories.grant(team, "staff")
    client = Client()
    client.force_login(team)
    context = browser.new_context()
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/mailbox/{key}/")

    with context.expect_page() as opened:
        page.frame_locator("iframe").get_by_role("link", name="Unsubscribe").click()

    opened.value.get_by_role("heading", name="Unsubscribe from course email?").wait_for()
    context.close()
