"""
Delivering one course email to one learner at a time, over one connection per batch.

A batch opens a :class:`Mailer` and calls ``send(user)`` per recipient::

    with Mailer(email, course) as mailer:
        for user in recipients:
            mailer.send(user)   # returns once the server accepted the message

It drives edx-ace's own steps (policy, presentation, the channel's ``deliver``) instead of
``ace.send()``, because ``ace.send()`` swallows every channel error and ACE's delivery step
sleeps inside the worker on recoverable ones. Every outcome other than success is raised as
one of the exceptions below, named for what the batch must do about it.
"""
import smtplib

from django.core.mail import get_connection
from django.core.mail.message import sanitize_address
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext as _
from edx_ace import policy, presentation
from edx_ace.channel import ChannelType, channels
from edx_ace.errors import ChannelError, RecoverableChannelDeliveryError

from ..conf import bulkmail_settings
from .channel import BulkMailEmailChannel, sending_over
from .message import CourseEmailComposer
from .ratelimit import RateLimiter


class DeliveryError(Exception):
    """A message was not delivered; ``reply`` says why (the mail server's reply when there was one)."""

    def __init__(self, reply):
        super().__init__(reply)
        self.reply = reply


class TemporaryFailure(DeliveryError):
    """The server said "try later" (4xx) or the connection failed: retry the batch later."""


class RecipientRefused(DeliveryError):
    """The server refused this recipient for good (5xx): mark this one failed and go on."""


class SendingMisconfigured(DeliveryError):
    """No message can go out (bad credentials, refused sender, missing channel): fail the send."""


class RecipientSkipped(DeliveryError):
    """An ACE policy keeps this message from the learner, who opted out of the course's email."""


class Mailer:
    """
    Sends one :class:`~openedx_bulkmail_plugin.models.CourseEmail` to learners, one by one.

    With our own ACE channel (the default) one mail connection is opened on entering the
    block and reused for every message; after any failed SMTP command the session is reset,
    or reopened if it is gone, so one refused recipient cannot spoil the next message.
    Another configured channel (such as Braze) is called message by message.
    """

    def __init__(self, email, course, rate_limiter=None, while_waiting=None):
        self.composer = CourseEmailComposer(email, course)
        self.rate_limiter = rate_limiter if rate_limiter is not None else RateLimiter.from_settings()
        self.while_waiting = while_waiting
        self.channel = None
        self.connection = None
        self._connection_scope = None
        self._needs_reopen = False

    def __enter__(self):
        self.channel = configured_channel()
        _check_sender(self.composer.from_address)
        if isinstance(self.channel, BulkMailEmailChannel):
            self.connection = get_connection(fail_silently=False)
            try:
                self._open()
            except DeliveryError:
                self.__exit__(None, None, None)
                raise
            self._connection_scope = sending_over(self.connection)
            self._connection_scope.__enter__()  # pylint: disable=unnecessary-dunder-call
        return self

    def __exit__(self, *exc_info):
        if self._connection_scope is not None:
            self._connection_scope.__exit__(*exc_info)
            self._connection_scope = None
        if self.connection is not None:
            _close_quietly(self.connection)
            self.connection = None

    def send(self, user):
        """
        Deliver the email to ``user``; return once the mail server accepted it.

        Raises:
            RecipientSkipped: the learner opted out of this course's email.
            RecipientRefused: the server refused this recipient (or the learner has no address).
            TemporaryFailure: the server asked to try later, or the connection failed.
            SendingMisconfigured: nothing can be sent (credentials, sender, templates).
        """
        if self.channel is None:
            raise RuntimeError("Mailer.send() must be called inside 'with Mailer(...) as mailer:'")
        if not user.email:
            raise RecipientRefused(_("The learner has no email address."))
        message = self.composer.message_for(user)
        if ChannelType.EMAIL not in policy.channels_for(message):
            raise RecipientSkipped(_("The learner opted out of email from this course."))
        rendered = self._render(message)
        if self.rate_limiter is not None:
            self.rate_limiter.wait_for_turn(self.while_waiting)
        self._deliver(message, rendered)

    def _render(self, message):
        try:
            return presentation.render(self.channel, message)
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            raise SendingMisconfigured(_("The course email template could not be rendered: {error}").format(
                error=error)) from error

    def _deliver(self, message, rendered):
        if self._needs_reopen:
            self._open()
        try:
            self.channel.deliver(message, rendered)
        except (ChannelError, OSError, ValueError) as error:
            failure = delivery_failure(error)
            self._recover_session()
            raise failure from error

    def _open(self):
        """Open (or reopen) the batch's connection."""
        if self.connection is None:
            return
        _close_quietly(self.connection)
        try:
            self.connection.open()
        except OSError as error:
            self._needs_reopen = True
            raise connection_failure(error) from error
        self._needs_reopen = False

    def _recover_session(self):
        """After a failed command: RSET, or drop the connection to reopen it before the next message."""
        smtp = getattr(self.connection, "connection", None)
        if smtp is None:
            return
        try:
            code, _reply = smtp.rset()
            if code == 250:
                return
        except (smtplib.SMTPException, OSError):
            pass
        _close_quietly(self.connection)
        self._needs_reopen = True


def configured_channel():
    """
    The ACE email channel BULKMAIL_ACE_CHANNEL names.

    Raises:
        SendingMisconfigured: no such channel is enabled in ACE_ENABLED_CHANNELS.
    """
    name = bulkmail_settings.ACE_CHANNEL
    try:
        return channels().get_channel_by_name(ChannelType.EMAIL, name)
    except KeyError:
        raise SendingMisconfigured(_(
            'The email channel "{name}" is not enabled on this site; ask the site operator to check '
            "BULKMAIL_ACE_CHANNEL and ACE_ENABLED_CHANNELS."
        ).format(name=name)) from None


def delivery_failure(error):
    """The :class:`DeliveryError` that says what a failed delivery means for the batch."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, RecoverableChannelDeliveryError):
        return TemporaryFailure(str(error))
    if isinstance(error, ChannelError):
        if isinstance(error.__cause__, OSError):
            return delivery_failure(error.__cause__)
        return RecipientRefused(str(error))
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _misconfigured_by_server(error)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _misconfigured_by_server(error) if error.smtp_code >= 500 else TemporaryFailure(server_reply(error))
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _recipients_refused(error)
    if isinstance(error, smtplib.SMTPResponseException):
        kind = RecipientRefused if error.smtp_code >= 500 else TemporaryFailure
        return kind(server_reply(error))
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SendingMisconfigured(str(error))
    if isinstance(error, OSError):
        return TemporaryFailure(_connection_reason(error))
    return RecipientRefused(str(error))


def connection_failure(error):
    """The :class:`DeliveryError` for a connection that could not be opened (or reopened)."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _misconfigured_by_server(error)
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return _misconfigured_by_server(error)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SendingMisconfigured(str(error))
    return delivery_failure(error)


def server_reply(error):
    """The server's reply carried by an smtplib error, as ``"550 5.1.1 No such user"``."""
    text = error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{error.smtp_code} {text}".strip()


def _recipients_refused(error):
    replies = []
    permanent = False
    for code, text in error.recipients.values():
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        replies.append(f"{code} {text}".strip())
        permanent = permanent or code >= 500
    kind = RecipientRefused if permanent else TemporaryFailure
    return kind("; ".join(replies))


def _misconfigured_by_server(error):
    return SendingMisconfigured(_(
        "The mail server refused to send for this site ({reply}); ask the site operator to check "
        "the email settings (account, password, sender address)."
    ).format(reply=server_reply(error)))


def _connection_reason(error):
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return _("The mail server closed the connection ({error}).").format(error=str(error) or _("no reply"))
    return _("The mail server could not be reached ({error}).").format(error=error)


def _check_sender(address):
    try:
        sanitize_address(address, "utf-8")
    except (ValueError, IndexError) as error:
        raise SendingMisconfigured(_('The sender address "{address}" is not valid ({error}).').format(
            address=address, error=error)) from error


def _close_quietly(connection):
    """Close a mail connection that may already be broken; a dead session is just dropped."""
    smtp = getattr(connection, "connection", None)
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        if smtp is not None:
            smtp.close()
