"""
Signed unsubscribe tokens: who unsubscribes from which course, without a login.

A token binds one user id to one course key and is signed with the site's secret, so a
link cannot be altered to unsubscribe someone else or from another course. It carries
no address or name, and it never expires: RFC 8058 one-click links must keep working in
old mail.
"""
from django.core import signing
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from .. import platform

SALT = "openedx_bulkmail_plugin.unsubscribe"


class BadToken(Exception):
    """The token was altered, signed for another purpose, or does not name a course."""


def make_token(user, course_key):
    """A URL-safe token that names ``user`` and ``course_key``, signed for unsubscribing only."""
    return _signer().sign_object([user.id, str(course_key)], compress=True)


def read_token(token):
    """
    The (user id, course key) a token was made for.

    Raises:
        BadToken: the token is not one :func:`make_token` signed.
    """
    try:
        user_id, course_id = _signer().unsign_object(token)
        return int(user_id), CourseKey.from_string(course_id)
    except (signing.BadSignature, InvalidKeyError, TypeError, ValueError) as error:
        raise BadToken(str(error)) from error


def _signer():
    # No timestamp: the same learner and course always get the same link.
    return signing.Signer(salt=SALT)


def unsubscribe_url(user, course_key):
    """The absolute one-click unsubscribe URL for ``user`` and this course's email."""
    return f"{platform.lms_root_url()}/bulkmail/unsubscribe/{make_token(user, course_key)}/"
