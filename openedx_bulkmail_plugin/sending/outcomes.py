"""
What a failed delivery means for a batch, named for what the batch must do about it.

The mail backend raises smtplib and socket errors, another ACE channel raises ACE's
ChannelErrors; :func:`delivery_failure` turns each into one of four outcomes:

- :class:`TemporaryFailure`: the server said "try later" (4xx) or the connection failed;
- :class:`RecipientRefused`: the server refused this recipient for good (5xx), and
  :class:`MailboxGone` when it said the mailbox does not exist (550 5.1.1: suppress it);
- :class:`SendingMisconfigured`: nothing can be sent (credentials, sender, channel);
- :class:`RecipientSkipped`: an ACE policy keeps the message from this learner.
"""
import smtplib

from django.utils.translation import gettext as _
from edx_ace.errors import ChannelError, RecoverableChannelDeliveryError

from ..deliverability.replies import mailbox_does_not_exist


class DeliveryError(Exception):
    """A message was not delivered; ``reply`` says why (the mail server's reply when there was one)."""

    def __init__(self, reply):
        super().__init__(reply)
        self.reply = reply


class TemporaryFailure(DeliveryError):
    """The server said "try later" (4xx) or the connection failed: retry the batch later."""


class RecipientRefused(DeliveryError):
    """The server refused this recipient for good (5xx): mark this one failed and go on."""


class MailboxGone(RecipientRefused):
    """The server said this mailbox does not exist (550/551/553 5.1.x): fail the row and suppress the address."""


class SendingMisconfigured(DeliveryError):
    """No message can go out (bad credentials, refused sender, missing channel): fail the send."""


class RecipientSkipped(DeliveryError):
    """An ACE policy keeps this message from the learner, who opted out of the course's email."""


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
        return _refusal(server_reply(error)) if error.smtp_code >= 500 else TemporaryFailure(server_reply(error))
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
    reply = "; ".join(replies)
    return _refusal(reply) if permanent else TemporaryFailure(reply)


def _refusal(reply):
    return MailboxGone(reply) if mailbox_does_not_exist(reply) else RecipientRefused(reply)


def _misconfigured_by_server(error):
    return SendingMisconfigured(_(
        "The mail server refused to send for this site ({reply}); ask the site operator to check "
        "the email settings (account, password, sender address)."
    ).format(reply=server_reply(error)))


def _connection_reason(error):
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return _("The mail server closed the connection ({error}).").format(error=str(error) or _("no reply"))
    return _("The mail server could not be reached ({error}).").format(error=error)
