"""
The ACE email channel of course mail: one SMTP connection per batch, list headers on every message.

ACE's stock ``django_email`` channel opens a connection per message and adds no list
headers. This channel sends over the connection the batch's
:class:`~openedx_bulkmail_plugin.sending.mailer.Mailer` opened (handed over through a context
variable, since ACE instantiates channels once per process and calls ``deliver`` with the
message only), and adds ``List-Unsubscribe`` with RFC 8058 one-click, ``List-Id`` and a
``Message-ID`` that is the same every time one send is delivered to one learner.

Failures are raised as they come (smtplib and socket errors), not wrapped in ACE's
ChannelError: the Mailer tells a refused recipient from a lost connection by them.
"""
import re
from contextlib import contextmanager
from contextvars import ContextVar
from email.header import Header
from urllib.parse import urlsplit

from django.core.mail import EmailMultiAlternatives, get_connection
from edx_ace.channel import Channel
from edx_ace.channel.mixins import EmailChannelMixin
from opaque_keys.edx.keys import CourseKey

from .. import platform

_current_connection = ContextVar("bulkmail_mail_connection", default=None)
NOT_DOT_ATOM = re.compile(r"[^A-Za-z0-9_-]+")


@contextmanager
def sending_over(connection):
    """Within this block, the channel sends over ``connection`` (an open Django mail backend)."""
    token = _current_connection.set(connection)
    try:
        yield connection
    finally:
        _current_connection.reset(token)


class BulkMailEmailChannel(EmailChannelMixin, Channel):
    """Delivers course mail over the batch's open connection, with list headers."""

    def deliver(self, message, rendered_message):
        """
        Hand the message to the mail server; return once the server accepted it.

        Raises:
            smtplib.SMTPException or OSError: as the mail backend raised it.
        """
        mail = self.build_mail(message, rendered_message)
        connection = _current_connection.get()
        if connection is not None:
            connection.send_messages([mail])
            return
        with get_connection(fail_silently=False) as own_connection:
            own_connection.send_messages([mail])

    def build_mail(self, message, rendered_message):
        """The multipart (text and HTML) email for one recipient, headers included."""
        mail = EmailMultiAlternatives(
            subject=self.get_subject(rendered_message),
            body=rendered_message.body,
            from_email=self.get_from_address(message),
            to=[message.recipient.email_address],
            reply_to=message.options.get("reply_to"),
            headers={**message.headers, **list_headers(message)},
        )
        mail.attach_alternative(
            self.make_simple_html_template(rendered_message.head_html, rendered_message.body_html), "text/html",
        )
        return mail


def list_headers(message):
    """The mailing-list headers of a course message (RFC 2369, 2919, 8058) and its Message-ID."""
    context = message.context
    domain = mail_domain()
    headers = {
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{_phrase(context['course_name'])} <{list_id(context['course_key'], domain)}>",
    }
    if context.get("send_id") is not None:
        headers["Message-ID"] = f"<bulkmail.{context['send_id']}.{message.recipient.lms_user_id}@{domain}>"
    return headers


def mail_domain():
    """The LMS's host name, which names the lists and messages this LMS sends."""
    return urlsplit(platform.lms_root_url()).hostname or "localhost"


def list_id(course_key, domain):
    """A dot-atom naming the course, e.g. ``Mail101.2026.DemoX.lms.example``."""
    key = CourseKey.from_string(str(course_key))
    atoms = (NOT_DOT_ATOM.sub("-", part).strip("-") for part in (key.course, key.run, key.org))
    return ".".join([atom for atom in atoms if atom] + [domain])


def _phrase(text):
    """``text`` as the display-name phrase of a header: quoted, or RFC 2047-encoded when not ASCII."""
    text = " ".join(text.split())
    if not text.isascii():
        # Encoded words, one line: a header value may not carry the newlines Header folds with.
        return " ".join(Header(text, "utf-8").encode().split())
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
