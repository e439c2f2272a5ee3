"""
The one-click unsubscribe link of every course message (RFC 8058), and its pages.
"""
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from opaque_keys.edx.keys import CourseKey

from devsite.bulk_email.models import Optout
from openedx_bulkmail_plugin.models import CourseEmail
from openedx_bulkmail_plugin.sending.message import build_message
from openedx_bulkmail_plugin.unsubscribe.tokens import make_token, unsubscribe_url
from tests import factories

pytestmark = pytest.mark.django_db


OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def learner():
    factories.course(display_name="Moon Rocks 101")
    return factories.learner(username="ada", name="Ada Lovelace")


@pytest.fixture
def mail_client():
    """A mail provider's client: no cookies, no session, and CSRF checks on as in production."""
    return Client(enforce_csrf_checks=True)


def link(person, course_key=factories.COURSE_KEY):
    return f"/bulkmail/unsubscribe/{make_token(person, course_key)}/"


def one_click(client, url):
    return client.post(url, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def is_opted_out(person, course_key=factories.COURSE_KEY):
    return Optout.objects.filter(user=person, course_id=course_key).exists()


def test_unsubscribe_url_points_at_this_page(learner):
    assert unsubscribe_url(learner, factories.COURSE_KEY).endswith(link(learner))


def test_one_click_post_without_cookies_or_csrf_token_unsubscribes(learner, mail_client):
    response = one_click(mail_client, link(learner))

    assert response.status_code == 200
    assert is_opted_out(learner)


def test_one_click_post_answers_without_redirect(learner, mail_client):
    response = one_click(mail_client, link(learner))

    assert "Location" not in response


def test_one_click_post_twice_leaves_one_optout(learner, mail_client):
    one_click(mail_client, link(learner))
    response = one_click(mail_client, link(learner))

    assert response.status_code == 200
    assert Optout.objects.filter(user=learner).count() == 1


def test_one_click_as_multipart_form_unsubscribes(learner, mail_client):
    response = mail_client.post(link(learner), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert is_opted_out(learner)


def test_get_shows_confirmation_without_unsubscribing(learner, mail_client):
    response = mail_client.get(link(learner))

    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert not is_opted_out(learner)


def test_confirmation_page_names_the_course(learner, mail_client):
    response = mail_client.get(link(learner))

    assert "Moon Rocks 101" in response.content.decode()


def test_pages_keep_the_token_out_of_caches_and_referers(learner, mail_client):
    response = mail_client.get(link(learner))

    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_unsubscribed_page_offers_resubscribe(learner, mail_client):
    response = one_click(mail_client, link(learner))

    assert b'name="resubscribe"' in response.content


def test_resubscribe_removes_the_optout(learner, mail_client):
    one_click(mail_client, link(learner))

    response = mail_client.post(link(learner), {"resubscribe": "1"})

    assert response.status_code == 200
    assert not is_opted_out(learner)


def test_link_opened_again_after_unsubscribing_says_so_and_offers_resubscribe(learner, mail_client):
    one_click(mail_client, link(learner))

    response = mail_client.get(link(learner))

    page = response.content.decode()
    assert response.status_code == 200
    assert "You are already unsubscribed from" in page
    assert "Moon Rocks 101" in page
    assert 'name="resubscribe"' in page
    assert "Unsubscribe from course email?" not in page
    assert is_opted_out(learner)  # looking changes nothing


def test_learner_opted_out_on_the_dashboard_is_told_they_are_already_unsubscribed(learner, mail_client):
    Optout.objects.create(user=learner, course_id=factories.COURSE_KEY)

    response = mail_client.get(link(learner))

    assert "You are already unsubscribed from" in response.content.decode()


def test_resubscribing_from_the_already_unsubscribed_page_then_opening_the_link_asks_again(
        learner, mail_client):
    one_click(mail_client, link(learner))
    mail_client.post(link(learner), {"resubscribe": "1"})

    page = mail_client.get(link(learner)).content.decode()

    assert "Unsubscribe from course email?" in page
    assert "already unsubscribed" not in page


def test_tampered_token_answers_400(learner, mail_client):
    token = make_token(learner, factories.COURSE_KEY)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = one_click(mail_client, f"/bulkmail/unsubscribe/{tampered}/")

    assert response.status_code == 400
    assert not Optout.objects.exists()


def test_bad_link_page_reveals_neither_learner_nor_course(learner, mail_client):
    token = make_token(learner, factories.COURSE_KEY)

    content = mail_client.get(f"/bulkmail/unsubscribe/{token}x/").content.decode()

    for secret in ("ada", "Ada Lovelace", "Moon Rocks", "Mail+2026", "TestX"):
        assert secret not in content


def test_token_signed_for_another_purpose_answers_400(learner, mail_client):
    foreign = signing.Signer(salt="some.other.purpose").sign_object([learner.id, str(factories.COURSE_KEY)])

    response = one_click(mail_client, f"/bulkmail/unsubscribe/{foreign}/")

    assert response.status_code == 400
    assert not Optout.objects.exists()


def test_token_of_a_deleted_learner_answers_400(learner, mail_client):
    url = link(learner)
    learner.delete()

    assert one_click(mail_client, url).status_code == 400


def test_token_for_another_course_only_affects_that_course(learner, mail_client):
    factories.course(OTHER_KEY, display_name="Other")
    factories.enroll(learner, OTHER_KEY)

    one_click(mail_client, link(learner, OTHER_KEY))

    assert is_opted_out(learner, OTHER_KEY)
    assert not is_opted_out(learner, factories.COURSE_KEY)


def test_dashboard_optout_endpoint_reports_an_unsubscribe(learner, mail_client, client):
    one_click(mail_client, link(learner))
    client.force_login(learner)

    response = client.get(f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/optout/")

    assert response.json() == {"opted_out": True}


def test_resubscribing_through_the_endpoint_undoes_an_unsubscribe(learner, mail_client, client):
    one_click(mail_client, link(learner))
    client.force_login(learner)

    client.put(f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/optout/", {"opted_out": False},
               content_type="application/json")

    assert not is_opted_out(learner)


def test_link_carried_by_a_course_message_unsubscribes(learner, mail_client):
    email = CourseEmail(course_id=factories.COURSE_KEY, subject="Week 1", html_message="<p>Hi</p>")
    message = build_message(email, learner, factories.course())
    path = urlsplit(message.context["unsubscribe_url"]).path

    one_click(mail_client, path)

    assert is_opted_out(learner)
