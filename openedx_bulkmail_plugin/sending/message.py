"""
A course email as an edx-ace message: who it is for, what it says, in which language.

The instructor's subject and bodies are personalised here (Open edX's ``%%KEYWORD%%``
substitution) and handed to ACE's templates, which add the footer that says why the
learner got the mail and how to stop it. Everything that is the same for every recipient
is worked out once per email (:class:`CourseEmailComposer`), so a batch pays only for
what differs per learner.
"""
import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from edx_ace import presentation
from edx_ace.channel.mixins import EmailChannelMixin
from edx_ace.message import MessageType
from edx_ace.recipient import Recipient

from .. import platform
from ..conf import bulkmail_settings, from_address
from ..plaintext import html_to_text
from ..unsubscribe.tokens import unsubscribe_url

APP_LABEL = "openedx_bulkmail_plugin"
MESSAGE_NAME = "course_email"
PER_LEARNER_CONTEXT = ("recipient_name", "unsubscribe_url", "subject", "body_html", "body_text")
KEYWORD = re.compile(r"%%(USER_ID|USER_FULLNAME|COURSE_DISPLAY_NAME|COURSE_END_DATE)%%")


class CourseEmailMessage(MessageType):
    """The ACE message type of course email; its templates live under ``edx_ace/course_email``."""

    APP_LABEL = APP_LABEL
    NAME = MESSAGE_NAME


class CourseEmailComposer:
    """
    Turns one :class:`~openedx_bulkmail_plugin.models.CourseEmail` into a message per learner.

    Built once per batch: the course name, language, sender and the derived text body do not
    change from one recipient to the next.
    """

    def __init__(self, email, course):
        self.email = email
        self.course_key = email.course_id
        self.course_name = (getattr(course, "display_name", None) or "").strip() or str(self.course_key)
        self.language = getattr(course, "language", None) or settings.LANGUAGE_CODE
        with translation.override(self.language):
            self.course_end_date = _end_date_display(course)
            self.from_address = sender_address(self.course_name)
            self.from_name = sender_name(self.course_name) or platform.platform_name()
        self.text_source = email.text_message or html_to_text(email.html_message)
        self.message_type = CourseEmailMessage(
            context={
                "course_key": str(self.course_key),
                "course_name": self.course_name,
                "course_url": platform.course_url(self.course_key),
                "platform_name": platform.platform_name(),
                "from_name": self.from_name,
                "send_id": _send_id(email),
            },
            options={
                "from_address": self.from_address,
                "override_default_channel": bulkmail_settings.ACE_CHANNEL,
            },
        )

    def message_for(self, user):
        """The personalised ACE message for ``user``."""
        keywords = _KeywordValues(self, user)
        return self.message_type.personalize(
            recipient=Recipient(lms_user_id=user.id, email_address=user.email),
            language=self.language,
            user_context={
                "recipient_name": keywords.full_name(),
                "unsubscribe_url": unsubscribe_url(user, self.course_key),
                "subject": keywords.substitute(self.email.subject),
                "body_html": mark_safe(keywords.substitute(self.email.html_message, escape)),  # staff may use any HTML
                "body_text": keywords.substitute(self.text_source),
            },
        )


class _KeywordValues:
    """One learner's values for Open edX's keywords, each worked out only if the email uses it."""

    def __init__(self, composer, user):
        self.composer = composer
        self.user = user
        self.values = {}

    def full_name(self):
        return platform.profile_name(self.user) or self.user.username

    def value(self, keyword):
        if keyword not in self.values:
            self.values[keyword] = {
                "USER_ID": lambda: platform.anonymous_id_for_user(self.user, self.composer.course_key),
                "USER_FULLNAME": self.full_name,
                "COURSE_DISPLAY_NAME": lambda: self.composer.course_name,
                "COURSE_END_DATE": lambda: self.composer.course_end_date,
            }[keyword]()
        return self.values[keyword]

    def substitute(self, text, quote=str):
        """``text`` with every keyword replaced, in one pass, by ``quote(value)``."""
        return KEYWORD.sub(lambda match: str(quote(self.value(match.group(1)))), text or "")


def build_message(email, user, course):
    """
    The ACE message that delivers ``email`` to ``user``.

    Args:
        email: the CourseEmail.
        user: the recipient (a platform User).
        course: the course's CourseOverview, or None (the course key then stands in for its name).
    """
    return CourseEmailComposer(email, course).message_for(user)


def render_preview(email, user, course):
    """
    The (subject, HTML document) ``user`` would receive, rendered exactly as for sending.

    Used by the preview endpoint, typically with the author as ``user``.
    """
    message = build_message(email, user, course)
    rendered = presentation.render(_EmailRendering(), message)
    return (
        EmailChannelMixin.get_subject(rendered),
        EmailChannelMixin.make_simple_html_template(rendered.head_html, rendered.body_html),
    )


class _EmailRendering(EmailChannelMixin):
    """Stands in for an email channel where ACE's renderer only needs the channel type."""


def sender_address(course_name):
    """
    The From header of course mail.

    With BULKMAIL_COURSE_SPECIFIC_FROM the display name is ``"<course title>" Course Staff``
    and formataddr quotes or encodes it, so no course title can break the header.
    """
    address = from_address()
    if not bulkmail_settings.COURSE_SPECIFIC_FROM:
        return address
    return formataddr((sender_name(course_name), parseaddr(address)[1]), charset="utf-8")


def sender_name(course_name):
    """The sender's display name as a reader sees it ("" when the address has none)."""
    if not bulkmail_settings.COURSE_SPECIFIC_FROM:
        return parseaddr(from_address())[0]
    title = " ".join(course_name.replace('"', "").replace("\\", "").split())
    return _('"{course_title}" Course Staff').format(course_title=title)


def _end_date_display(course):
    end = getattr(course, "end", None)
    return date_format(end, "DATE_FORMAT") if end else ""


def _send_id(email):
    task = getattr(email, "send_task", None) if email.pk else None
    return task.pk if task is not None else None
