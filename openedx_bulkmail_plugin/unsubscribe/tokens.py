"""
Signed unsubscribe tokens: who unsubscribes from which course, without a login.

A token binds one user id to one course key and is signed with the site's secret (Django
signing), so a link cannot be altered to unsubscribe someone else or from another course.
What it binds is encrypted (AES-SIV, deterministic), so nothing about the account can be
read from a link. It never expires: RFC 8058 one-click links must keep working in old mail.
"""
import base64
import json

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.core import signing
from django.utils.crypto import salted_hmac
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from .. import platform

SALT = "openedx_bulkmail_plugin.unsubscribe"


class BadToken(Exception):
    """The token was altered, signed for another purpose, or does not name a course."""


def make_token(user, course_key):
    """A URL-safe token that names ``user`` and ``course_key``, signed for unsubscribing only."""
    payload = json.dumps([user.id, str(course_key)], separators=(",", ":")).encode()
    sealed = base64.urlsafe_b64encode(_cipher().encrypt(payload, None)).rstrip(b"=").decode()
    return _signer().sign(sealed)


def read_token(token):
    """
    The (user id, course key) a token was made for.

    Raises:
        BadToken: the token is not one :func:`make_token` signed.
    """
    try:
        sealed = _signer().unsign(token)
        payload = _cipher().decrypt(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)), None)
        user_id, course_id = json.loads(payload)
        return int(user_id), CourseKey.from_string(course_id)
    except (signing.BadSignature, InvalidTag, InvalidKeyError, TypeError, ValueError) as error:
        raise BadToken(str(error)) from error


def _cipher():
    # Deterministic (SIV): the same learner and course always get the same link.
    return AESSIV(salted_hmac(SALT, "unsubscribe token key", algorithm="sha512").digest())


def _signer():
    # No timestamp: the same learner and course always get the same link.
    return signing.Signer(salt=SALT)


def unsubscribe_url(user, course_key):
    """The absolute one-click unsubscribe URL for ``user`` and this course's email."""
    return f"{platform.lms_root_url()}/bulkmail/unsubscribe/{make_token(user, course_key)}/"
