"""
Unsubscribe tokens: signed, bound to one learner and one course, revealing no address.
"""
import base64
import re

import pytest
from django.core import signing
from opaque_keys.edx.keys import CourseKey

from openedx_bulkmail_plugin.unsubscribe.tokens import SALT, BadToken, make_token, read_token, unsubscribe_url
from tests import factories

pytestmark = pytest.mark.django_db

OTHER_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")


@pytest.fixture
def learner():
    return factories.learner(username="grace", name="Grace Hopper", email="grace.hopper@example.com")


def test_token_reads_back_as_its_learner_and_course(learner):
    assert read_token(make_token(learner, factories.COURSE_KEY)) == (learner.id, factories.COURSE_KEY)


def test_token_is_the_same_every_time_for_one_learner_and_course(learner):
    assert make_token(learner, factories.COURSE_KEY) == make_token(learner, factories.COURSE_KEY)


def test_tokens_of_two_courses_differ(learner):
    assert make_token(learner, factories.COURSE_KEY) != make_token(learner, OTHER_KEY)


def test_token_reveals_neither_address_nor_name(learner):
    token = make_token(learner, factories.COURSE_KEY)
    payload = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))

    for secret in (b"grace", b"Hopper", b"example.com"):
        assert secret not in token.encode() and secret not in decoded


def test_token_uses_only_url_safe_characters(learner):
    assert re.fullmatch(r"[A-Za-z0-9_:.-]+", make_token(learner, OTHER_KEY))


def test_token_with_an_altered_payload_is_refused(learner):
    someone_elses_payload = make_token(factories.user(), factories.COURSE_KEY).split(":")[0]
    signature = make_token(learner, factories.COURSE_KEY).split(":")[1]
    forged = f"{someone_elses_payload}:{signature}"

    with pytest.raises(BadToken):
        read_token(forged)


def test_token_with_an_altered_signature_is_refused(learner):
    token = make_token(learner, factories.COURSE_KEY)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    with pytest.raises(BadToken):
        read_token(tampered)


def test_value_signed_for_another_purpose_is_refused(learner):
    foreign = signing.Signer(salt="some.other.feature").sign_object([learner.id, str(factories.COURSE_KEY)])

    with pytest.raises(BadToken):
        read_token(foreign)


def test_signed_value_that_names_no_course_is_refused(learner):
    odd = signing.Signer(salt=SALT).sign_object([learner.id, "not a course key"])

    with pytest.raises(BadToken):
        read_token(odd)


def test_garbage_is_refused():
    with pytest.raises(BadToken):
        read_token("garbage")


def test_unsubscribe_url_is_absolute_under_the_lms_root(settings, learner):
    settings.LMS_ROOT_URL = "https://lms.example/"

    url = unsubscribe_url(learner, factories.COURSE_KEY)

    assert url == f"https://lms.example/bulkmail/unsubscribe/{make_token(learner, factories.COURSE_KEY)}/"


@pytest.mark.django_db
def test_token_reveals_neither_user_id_nor_course():
    person = factories.user()
    token = make_token(person, factories.COURSE_KEY)
    readable = token + base64.urlsafe_b64decode(token.split(":")[0] + "==").decode("latin-1")
    assert "TestX" not in readable and "Mail" not in readable
    assert f"[{person.id}," not in readable
