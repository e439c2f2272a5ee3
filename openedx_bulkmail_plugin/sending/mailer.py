"""
Delivering one course email to many learners, several messages in flight at once.

A batch opens a :class:`Mailer` and hands it one learner at a time::

    with Mailer(email, course) as mailer:
        for user in recipients:
            future = mailer.submit(user)   # composed, rendered, handed to a mail session
        ...                                # future.result() returns once the server accepted it

It drives edx-ace's own steps (policy, presentation, the channel's ``deliver``) instead of
``ace.send()``, because ``ace.send()`` swallows every channel error and ACE's delivery step
sleeps inside the worker on recoverable ones. Templates are looked up once per batch
(:mod:`.rendering`); the network work runs on a pool of mail sessions (:mod:`.couriers`).
Every outcome other than success is one of the exceptions of :mod:`.outcomes`, named for
what the batch must do about it.
"""
from django.conf import settings
from django.core.mail.message import sanitize_address
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext as _
from edx_ace import policy
from edx_ace.channel import ChannelType, channels

from ..conf import bulkmail_settings
from .channel import BulkMailEmailChannel
from .couriers import couriers_for
from .message import PER_LEARNER_CONTEXT, CourseEmailComposer
from .outcomes import (  # noqa: F401  (the outcomes a caller of the Mailer handles)
    DeliveryError,
    MailboxGone,
    RecipientRefused,
    RecipientSkipped,
    SendingMisconfigured,
    TemporaryFailure,
    delivery_failure,
    server_reply,
)
from .ratelimit import RateLimiter
from .rendering import BatchRenderer


class Mailer:
    """
    Sends one :class:`~openedx_bulkmail_plugin.models.CourseEmail` to learners.

    With our own ACE channel (the default) each of BULKMAIL_CONCURRENT_CONNECTIONS mail
    sessions carries many messages; another configured channel (such as Braze) is called
    message by message from the same pool of threads.
    """

    def __init__(self, email, course, rate_limiter=None, while_waiting=None):
        self.composer = CourseEmailComposer(email, course)
        self.rate_limiter = rate_limiter if rate_limiter is not None else RateLimiter.from_settings()
        self.while_waiting = while_waiting
        self.concurrency = bulkmail_settings.CONCURRENT_CONNECTIONS
        self.channel = None
        self.couriers = None
        self.renderer = None

    def __enter__(self):
        self.channel = configured_channel()
        _check_sender(self.composer.from_address)
        self.renderer = BatchRenderer(self.channel, PER_LEARNER_CONTEXT)
        self.couriers = couriers_for(
            self.channel, self.concurrency, bulkmail_settings.MESSAGES_PER_CONNECTION,
            own_sessions=isinstance(self.channel, BulkMailEmailChannel), timeout=smtp_timeout(),
        )
        self.couriers.open_first()
        return self

    def __exit__(self, *exc_info):
        self.couriers = None  # the sessions stay open for this process's next batch

    def submit(self, user):
        """
        Compose, render and hand the email for ``user`` to a free session.

        Returns:
            concurrent.futures.Future: its ``result()`` returns once the mail server
            accepted the message, or raises TemporaryFailure, RecipientRefused or
            SendingMisconfigured.
        Raises:
            RecipientSkipped: the learner opted out of this course's email.
            RecipientRefused: the learner has no address.
            SendingMisconfigured: the course email templates cannot be rendered.
        """
        if self.couriers is None:
            raise RuntimeError("Mailer.submit() must be called inside 'with Mailer(...) as mailer:'")
        if not user.email:
            raise RecipientRefused(_("The learner has no email address."))
        message = self.composer.message_for(user)
        if ChannelType.EMAIL not in policy.channels_for(message):
            raise RecipientSkipped(_("The learner opted out of email from this course."))
        rendered = self._render(message)
        if self.rate_limiter is not None:
            self.rate_limiter.wait_for_turn(self.while_waiting)
        return self.couriers.deliver(message, rendered)

    def send(self, user):
        """Deliver the email to ``user`` and wait for the server's answer (one message, one at a time)."""
        return self.submit(user).result()

    def _render(self, message):
        try:
            return self.renderer.render(message)
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            raise SendingMisconfigured(_("The course email template could not be rendered: {error}").format(
                error=error)) from error


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


def smtp_timeout():
    """Seconds a mail session waits for any reply: the site's EMAIL_TIMEOUT, else our own bound."""
    return getattr(settings, "EMAIL_TIMEOUT", None) or bulkmail_settings.SMTP_TIMEOUT_SECONDS


def _check_sender(address):
    try:
        sanitize_address(address, "utf-8")
    except (ValueError, IndexError) as error:
        raise SendingMisconfigured(_('The sender address "{address}" is not valid ({error}).').format(
            address=address, error=error)) from error
