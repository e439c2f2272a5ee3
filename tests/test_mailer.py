"""
The Mailer: one connection per batch, and every outcome named for what the batch must do.

Against a real SMTP server in this process (devsite.mailsink), told to refuse, defer or
hang up.
"""
import smtplib
import socket
import time

import pytest
from aiosmtpd.smtp import AuthResult
from django.core.cache import caches
from edx_ace.channel import Channel, channels
from edx_ace.channel.mixins import EmailChannelMixin
from edx_ace.errors import FatalChannelDeliveryError, RecoverableChannelDeliveryError

from devsite import mailsink
from openedx_bulkmail_plugin.sending.mailer import (
    MailboxGone,
    Mailer,
    RecipientRefused,
    RecipientSkipped,
    SendingMisconfigured,
    TemporaryFailure,
    delivery_failure,
)
from openedx_bulkmail_plugin.sending.ratelimit import RateLimiter
from tests import factories
from tests.course_emails import course_email

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_ace_plugins")]


@pytest.fixture
def course():
    return factories.course(display_name="Mail 101")


@pytest.fixture
def email(course):
    return course_email(course_key=course.id, subject="Hello %%USER_FULLNAME%%")


def learners(count):
    return [factories.learner() for _ in range(count)]


def test_one_connection_carries_every_message_of_a_batch(smtp_settings, email, course):
    people = learners(5)

    with Mailer(email, course) as mailer:
        for person in people:
            mailer.send(person)

    assert smtp_settings.recipients() == [person.email for person in people]
    assert smtp_settings.connections_used() == 1


def test_each_learner_gets_their_own_message(smtp_settings, email, course):
    ada, bob = factories.learner(name="Ada"), factories.learner(name="Bob")

    with Mailer(email, course) as mailer:
        mailer.send(ada)
        mailer.send(bob)

    assert [str(message["Subject"]) for _, message in smtp_settings.messages] == ["Hello Ada", "Hello Bob"]


def test_refused_recipient_raises_recipient_refused_with_the_server_reply(smtp_settings, email, course):
    refused = factories.learner()
    smtp_settings.rcpt_replies[refused.email] = "550 5.1.1 No such user here"

    with Mailer(email, course) as mailer, pytest.raises(RecipientRefused) as failure:
        mailer.send(refused)

    assert failure.value.reply == "550 5.1.1 No such user here"


def test_next_recipient_after_a_refusal_is_delivered_on_the_same_connection(smtp_settings, email, course):
    first, refused, last = learners(3)
    smtp_settings.rcpt_replies[refused.email] = "550 5.1.1 No such user here"

    with Mailer(email, course) as mailer:
        mailer.send(first)
        with pytest.raises(RecipientRefused):
            mailer.send(refused)
        mailer.send(last)

    assert smtp_settings.recipients() == [first.email, last.email]
    assert smtp_settings.connections_used() == 1


def test_session_is_reset_after_a_refused_recipient(smtp_settings, email, course):
    refused = factories.learner()
    smtp_settings.rcpt_replies[refused.email] = "550 5.1.1 No such user here"

    with Mailer(email, course) as mailer, pytest.raises(RecipientRefused):
        mailer.send(refused)

    assert smtp_settings.resets >= 1


def test_message_refused_at_data_is_recipient_refused(smtp_settings, email, course):
    smtp_settings.temporary_failures = 1
    smtp_settings.temporary_reply = "554 5.7.1 Message rejected"

    with Mailer(email, course) as mailer, pytest.raises(RecipientRefused) as failure:
        mailer.send(factories.learner())

    assert failure.value.reply == "554 5.7.1 Message rejected"


def test_temporary_reply_raises_temporary_failure(smtp_settings, email, course):
    smtp_settings.temporary_failures = 1

    with Mailer(email, course) as mailer, pytest.raises(TemporaryFailure) as failure:
        mailer.send(factories.learner())

    assert failure.value.reply == "451 4.3.0 Temporary failure, try again later"


def test_temporary_reply_for_one_recipient_is_temporary_failure(smtp_settings, email, course):
    busy = factories.learner()
    smtp_settings.rcpt_replies[busy.email] = "450 4.2.1 Mailbox busy"

    with Mailer(email, course) as mailer, pytest.raises(TemporaryFailure) as failure:
        mailer.send(busy)

    assert failure.value.reply == "450 4.2.1 Mailbox busy"


def test_message_after_a_temporary_failure_goes_through(smtp_settings, email, course):
    deferred, next_one = learners(2)
    smtp_settings.temporary_failures = 1

    with Mailer(email, course) as mailer:
        with pytest.raises(TemporaryFailure):
            mailer.send(deferred)
        mailer.send(next_one)

    assert smtp_settings.recipients() == [next_one.email]


def test_dropped_connection_is_reopened_and_the_message_tried_once_more(smtp_settings, email, course):
    person = factories.learner()
    smtp_settings.drops = 1

    with Mailer(email, course) as mailer:
        mailer.send(person)

    assert smtp_settings.recipients() == [person.email]


def test_connection_dropped_again_on_the_new_session_is_temporary_failure(smtp_settings, email, course):
    smtp_settings.drops = 2

    with Mailer(email, course) as mailer, pytest.raises(TemporaryFailure):
        mailer.send(factories.learner())

    assert smtp_settings.recipients() == []


def test_same_mailer_goes_on_after_a_temporary_failure_of_its_session(smtp_settings, email, course):
    dropped, next_one, last = learners(3)
    smtp_settings.drops = 2

    with Mailer(email, course) as mailer:
        with pytest.raises(TemporaryFailure):
            mailer.send(dropped)
        mailer.send(next_one)
        mailer.send(last)

    assert smtp_settings.recipients() == [next_one.email, last.email]
    assert smtp_settings.connections_used() == 1


def test_session_closed_for_too_many_messages_is_reopened_and_sending_goes_on(smtp_settings, email, course):
    people = learners(5)
    smtp_settings.messages_per_session = 2

    with Mailer(email, course) as mailer:
        for person in people:
            mailer.send(person)

    assert smtp_settings.recipients() == [person.email for person in people]
    assert smtp_settings.connections_used() == 3


def test_session_is_recycled_after_the_configured_number_of_messages(smtp_settings, settings, email, course):
    settings.BULKMAIL_MESSAGES_PER_CONNECTION = 2
    people = learners(5)

    with Mailer(email, course) as mailer:
        for person in people:
            mailer.send(person)

    assert smtp_settings.connections_used() == 3
    assert smtp_settings.recipients() == [person.email for person in people]


def test_messages_are_in_flight_side_by_side(smtp_settings, settings, email, course):
    settings.BULKMAIL_CONCURRENT_CONNECTIONS = 2
    slow, quick = learners(2)
    smtp_settings.holds = {slow.email: [1.0]}

    with Mailer(email, course) as mailer:
        answers = [mailer.submit(slow), mailer.submit(quick)]
        for answer in answers:
            answer.result(timeout=10)

    assert smtp_settings.recipients() == [quick.email, slow.email]
    assert smtp_settings.connections_used() == 2


def test_unreachable_server_is_temporary_failure(settings, email, course):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port

    with pytest.raises(TemporaryFailure):
        with Mailer(email, course):
            pass


@pytest.fixture
def password_checking_server(settings):
    """An SMTP server that wants AUTH and accepts no password."""
    def refuse(server, session, envelope, mechanism, auth_data):  # pylint: disable=unused-argument
        return AuthResult(success=False, handled=False)

    controller, handler = mailsink.start(authenticator=refuse, auth_require_tls=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "bulkmail", "wrong password"
    yield handler
    controller.stop()


def test_wrong_password_is_sending_misconfigured(password_checking_server, email, course):
    with pytest.raises(SendingMisconfigured) as failure:
        with Mailer(email, course):
            pass

    assert "535" in failure.value.reply


def test_refused_sender_is_sending_misconfigured(smtp_settings, email, course):
    smtp_settings.sender_replies["course-mail@demo.example.com"] = "553 5.7.1 Sender address rejected"

    with Mailer(email, course) as mailer, pytest.raises(SendingMisconfigured) as failure:
        mailer.send(factories.learner())

    assert "553 5.7.1 Sender address rejected" in failure.value.reply


def test_invalid_sender_address_is_sending_misconfigured(smtp_settings, settings, email, course):
    settings.BULKMAIL_FROM_EMAIL = "not an address@@"

    with pytest.raises(SendingMisconfigured):
        with Mailer(email, course):
            pass


def test_channel_that_is_not_enabled_is_sending_misconfigured(smtp_settings, settings, email, course):
    settings.BULKMAIL_ACE_CHANNEL = "no_such_channel"

    with pytest.raises(SendingMisconfigured) as failure:
        with Mailer(email, course):
            pass

    assert "no_such_channel" in failure.value.reply


def test_opted_out_learner_is_skipped_and_gets_nothing(smtp_settings, email, course):
    quitter = factories.learner()
    factories.opt_out(quitter)

    with Mailer(email, course) as mailer, pytest.raises(RecipientSkipped):
        mailer.send(quitter)

    assert smtp_settings.recipients() == []


def test_learner_who_opts_out_during_a_batch_gets_nothing_after(smtp_settings, email, course):
    person = factories.learner()

    with Mailer(email, course) as mailer:
        mailer.send(person)
        factories.opt_out(person)
        with pytest.raises(RecipientSkipped):
            mailer.send(person)

    assert smtp_settings.recipients() == [person.email]


def test_learner_without_an_address_is_recipient_refused(smtp_settings, email, course):
    with Mailer(email, course) as mailer, pytest.raises(RecipientRefused):
        mailer.send(factories.learner(email=""))


class RecordingChannel(EmailChannelMixin, Channel):
    """Another ACE email channel (as Braze would be): keeps what it is given, or fails as told."""

    def __init__(self):
        self.delivered = []
        self.failure = None

    def deliver(self, message, rendered_message):
        if self.failure:
            raise self.failure
        self.delivered.append((message, rendered_message))


@pytest.fixture
def other_channel(settings):
    channel = RecordingChannel()
    channels().register_channel(channel, "recording_email")
    settings.BULKMAIL_ACE_CHANNEL = "recording_email"
    return channel


def test_other_channel_gets_the_rendered_message(smtp_settings, other_channel, email, course):
    person = factories.learner(name="Ada")

    with Mailer(email, course) as mailer:
        mailer.send(person)

    [(message, rendered)] = other_channel.delivered
    assert message.recipient.email_address == person.email
    assert rendered.subject.strip() == "Hello Ada"
    assert smtp_settings.recipients() == []


def test_recoverable_error_of_another_channel_is_temporary_failure(other_channel, email, course):
    other_channel.failure = RecoverableChannelDeliveryError("rate limited", next_attempt_time=None)

    with Mailer(email, course) as mailer, pytest.raises(TemporaryFailure):
        mailer.send(factories.learner())


def test_fatal_error_of_another_channel_is_recipient_refused(other_channel, email, course):
    other_channel.failure = FatalChannelDeliveryError("unknown recipient")

    with Mailer(email, course) as mailer, pytest.raises(RecipientRefused) as failure:
        mailer.send(factories.learner())

    assert failure.value.reply == "unknown recipient"


def test_opted_out_learner_is_skipped_on_another_channel_too(other_channel, email, course):
    quitter = factories.learner()
    factories.opt_out(quitter)

    with Mailer(email, course) as mailer, pytest.raises(RecipientSkipped):
        mailer.send(quitter)

    assert other_channel.delivered == []


def _wrapped(cause):
    """An error as ACE's stock django_email channel raises it: a ChannelError caused by smtplib's."""
    try:
        raise FatalChannelDeliveryError("An SMTP error occurred") from cause
    except FatalChannelDeliveryError as error:
        return error


@pytest.mark.parametrize("error, kind, reply", [
    (TimeoutError("timed out"), TemporaryFailure, None),
    (ConnectionResetError("reset by peer"), TemporaryFailure, None),
    (smtplib.SMTPSenderRefused(451, b"4.3.2 Try again", "a@b.example"), TemporaryFailure, "451 4.3.2 Try again"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), SendingMisconfigured, None),
    (_wrapped(smtplib.SMTPRecipientsRefused({"x@y.example": (550, b"5.1.1 Unknown")})), MailboxGone,
     "550 5.1.1 Unknown"),
    (_wrapped(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")), TemporaryFailure, None),
])
def test_failures_seen_only_on_real_networks_are_classified(error, kind, reply):
    failure = delivery_failure(error)

    assert type(failure) is kind
    assert reply is None or failure.reply == reply


class FakeClock:
    """A wall clock that moves only when someone sleeps."""

    def __init__(self, now):
        self.current = now

    def now(self):
        return self.current

    def sleep(self, seconds):
        self.current += seconds


def test_rate_limit_spaces_the_messages_of_a_batch(smtp_settings, settings, email, course):
    settings.BULKMAIL_MAX_MESSAGES_PER_SECOND = 2
    caches["default"].clear()
    clock = FakeClock(5000.0)
    arrivals = []
    accept = smtp_settings.handle_DATA

    async def note_arrival(server, session, envelope):
        arrivals.append(clock.now())
        return await accept(server, session, envelope)

    smtp_settings.handle_DATA = note_arrival
    people = learners(5)

    with Mailer(email, course, rate_limiter=RateLimiter.from_settings(clock=clock.now, sleep=clock.sleep)) as mailer:
        for person in people:
            mailer.send(person)

    assert [int(moment) for moment in arrivals] == [5000, 5000, 5001, 5001, 5002]


def test_rate_limit_holds_across_every_session_in_flight(smtp_settings, settings, email, course):
    settings.BULKMAIL_MAX_MESSAGES_PER_SECOND = 10
    settings.BULKMAIL_CONCURRENT_CONNECTIONS = 8
    caches["default"].clear()
    people = learners(25)
    started = time.monotonic()

    with Mailer(email, course) as mailer:
        answers = [mailer.submit(person) for person in people]
        for answer in answers:
            answer.result(timeout=30)

    # 25 messages at 10 a second need three windows of the limiter: at least one whole second.
    assert time.monotonic() - started >= 1.0
    assert sorted(smtp_settings.recipients()) == sorted(person.email for person in people)
    assert smtp_settings.connections_used() > 1
