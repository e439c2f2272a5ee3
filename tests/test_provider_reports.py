"""
The mail provider's bounce and complaint reports, as anymail's ``tracking`` signal brings
them: what suppresses an address, which delivery's row shows it, and that each report
counts once.
"""
from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking
from django.utils import timezone

from openedx_bulkmail_plugin.deliverability import events
from openedx_bulkmail_plugin.models import CourseEmail, Delivery, ProviderEvent, SendTask, Suppression
from openedx_bulkmail_plugin.sending import tasks
from tests import factories
from tests.engine_support import pending_send, statuses

pytestmark = pytest.mark.django_db


def report(event_type, recipient, provider="SendGrid", **fields):
    """Send one normalised event on anymail's tracking signal, as any provider's webhook does."""
    fields.setdefault("event_id", f"{event_type}-{recipient}-{fields.get('message_id')}")
    fields.setdefault("timestamp", timezone.now())
    event = AnymailTrackingEvent(event_type=event_type, recipient=recipient, **fields)
    tracking.send(sender=object, event=event, esp_name=provider)
    return event


def sent():
    task = pending_send()
    tasks.start_send(task.id)
    task.refresh_from_db()
    return task


def another_send(first):
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=first.email.sender, subject="Again",
                                       html_message="<p>Again</p>", targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.PENDING)
    tasks.start_send(task.id)
    task.refresh_from_db()
    return task


def our_message_id(task, person):
    return f"<bulkmail.{task.id}.{person.id}@localhost>"


def test_complaint_suppresses_the_address_for_the_next_send(people, mailer):
    first = sent()
    report(EventType.COMPLAINED, people[3].email, description="abuse")
    mailer.accepted.clear()

    second = another_send(first)

    assert people[3].email not in mailer.accepted
    assert statuses(second)[people[3].email] == Delivery.SUPPRESSED
    entry = Suppression.objects.get(address=people[3].email)
    assert (entry.reason, entry.source, entry.detail) == (Suppression.COMPLAINT, "SendGrid webhook", "abuse")


def test_hard_bounce_suppresses_at_once_with_the_providers_words(people, mailer):
    sent()

    report(EventType.BOUNCED, people[1].email.upper(), mta_response="smtp; 550 5.1.1 user unknown")

    entry = Suppression.objects.get(address=people[1].email)
    assert (entry.reason, entry.detail) == (Suppression.HARD_BOUNCE, "smtp; 550 5.1.1 user unknown")


def test_report_carrying_our_message_id_marks_that_delivery(people, mailer):
    task = sent()

    report(EventType.BOUNCED, people[2].email, message_id="sg-123",
           esp_event={"event": "bounce", "smtp-id": our_message_id(task, people[2]), "reason": "550 5.1.1 gone"},
           mta_response="550 5.1.1 gone")

    row = Delivery.objects.get(task=task, user=people[2])
    assert row.status == Delivery.BOUNCED
    assert row.last_error == "SendGrid reports that this message bounced. 550 5.1.1 gone"
    assert ProviderEvent.objects.get().delivery == row


def test_complaint_without_our_message_id_marks_the_last_message_to_that_address(people, mailer):
    first = sent()
    second = another_send(first)

    report(EventType.COMPLAINED, people[5].email)

    assert statuses(second)[people[5].email] == Delivery.COMPLAINED
    assert statuses(first)[people[5].email] == Delivery.SENT


def test_report_about_a_message_older_than_a_week_marks_no_delivery(people, mailer):
    task = sent()
    Delivery.objects.filter(task=task).update(sent_at=timezone.now() - timedelta(days=8))

    report(EventType.BOUNCED, people[5].email, mta_response="550 5.1.1 gone")

    assert statuses(task)[people[5].email] == Delivery.SENT
    assert Suppression.objects.filter(address=people[5].email).exists()


def test_bounced_and_complained_rows_still_count_as_sent(people, mailer):
    task = sent()

    report(EventType.COMPLAINED, people[5].email)

    task.refresh_from_db()
    assert (task.sent, task.suppressed) == (10, 0)


def test_hard_bounce_of_an_address_we_never_mailed_is_suppressed(db):
    report(EventType.BOUNCED, "stranger@example.com", mta_response="550 5.1.1 unknown")

    assert Suppression.objects.get(address="stranger@example.com").reason == Suppression.HARD_BOUNCE


def test_soft_bounce_of_an_address_we_never_mailed_writes_nothing(db):
    report(EventType.DEFERRED, "stranger@example.com", mta_response="452 4.2.2 Mailbox full")

    assert not ProviderEvent.objects.exists()
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("event_type", [EventType.OPENED, EventType.DELIVERED, EventType.CLICKED, EventType.UNKNOWN])
def test_other_events_change_nothing(people, mailer, event_type):
    task = sent()

    report(event_type, people[0].email)

    assert not ProviderEvent.objects.exists() and not Suppression.objects.exists()
    assert statuses(task)[people[0].email] == Delivery.SENT


def test_event_without_a_recipient_is_harmless(db):
    report(EventType.COMPLAINED, None)

    assert not ProviderEvent.objects.exists()


def soft_bounce_of(task, person, number=0):
    return report(EventType.DEFERRED, person.email, event_id=f"soft-{task.id}-{number}",
                  message_id=our_message_id(task, person), mta_response="452 4.2.2 Mailbox full")


def test_three_soft_bounces_of_different_messages_suppress_the_address(people, mailer):
    first = sent()
    second = another_send(first)
    third = another_send(first)
    soft_bounce_of(first, people[4])
    soft_bounce_of(second, people[4])
    assert not Suppression.objects.exists()

    soft_bounce_of(third, people[4])

    entry = Suppression.objects.get(address=people[4].email)
    assert (entry.reason, entry.detail) == (Suppression.SOFT_BOUNCES, "452 4.2.2 Mailbox full")


def test_repeated_delays_of_one_message_are_one_soft_bounce(people, mailer):
    task = sent()

    for number in range(5):
        soft_bounce_of(task, people[4], number)

    assert ProviderEvent.objects.count() == 5
    assert not Suppression.objects.exists()


def test_soft_bounces_older_than_the_window_do_not_count(people, mailer, settings):
    settings.BULKMAIL_SOFT_BOUNCE_DAYS = 30
    first = sent()
    second = another_send(first)
    third = another_send(first)
    soft_bounce_of(first, people[4])
    soft_bounce_of(second, people[4])
    ProviderEvent.objects.update(occurred=timezone.now() - timedelta(days=31))

    soft_bounce_of(third, people[4])

    assert not Suppression.objects.exists()


def test_soft_bounce_limit_is_a_setting(people, mailer, settings):
    settings.BULKMAIL_SOFT_BOUNCE_LIMIT = 1
    task = sent()

    soft_bounce_of(task, people[4])

    assert Suppression.objects.get().reason == Suppression.SOFT_BOUNCES


@pytest.mark.parametrize("esp_event, mta_response", [
    ({"bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull"}}, None),  # Amazon SES
    ({"RecordType": "Bounce", "Type": "SoftBounce"}, None),  # Postmark
    ({"event": "soft_bounce"}, None),  # Brevo
    ({"event": "bounce", "type": "blocked"}, "450 4.7.1 try later"),  # SendGrid
    ({}, "452 4.2.2 Mailbox full"),  # any provider: the receiving server's 4xx reply
])
def test_soft_bounces_reported_as_bounced_are_told_apart(esp_event, mta_response):
    event = AnymailTrackingEvent(event_type=EventType.BOUNCED, esp_event=esp_event, mta_response=mta_response)

    assert events.kind_of(event) == ProviderEvent.SOFT_BOUNCE


@pytest.mark.parametrize("esp_event, mta_response", [
    ({"bounce": {"bounceType": "Permanent", "bounceSubType": "General"}}, "smtp; 550 5.1.1 user unknown"),
    ({"RecordType": "Bounce", "Type": "HardBounce"}, None),
    ({"event": "hard_bounce"}, None),
    ({"event": "bounce", "type": "bounce"}, "550 5.1.1 unknown"),
])
def test_hard_bounces_are_told_apart(esp_event, mta_response):
    event = AnymailTrackingEvent(event_type=EventType.BOUNCED, esp_event=esp_event, mta_response=mta_response)

    assert events.kind_of(event) == ProviderEvent.HARD_BOUNCE


@pytest.mark.parametrize("reject_reason, kind", [
    (RejectReason.BOUNCED, ProviderEvent.HARD_BOUNCE), (RejectReason.SPAM, ProviderEvent.COMPLAINT),
    (RejectReason.OTHER, None), (RejectReason.UNSUBSCRIBED, None),
])
def test_providers_own_refusals_speak_of_earlier_bounces_and_complaints(reject_reason, kind):
    event = AnymailTrackingEvent(event_type=EventType.REJECTED, reject_reason=reject_reason)

    assert events.kind_of(event) == kind


def test_same_report_twice_is_written_once(people, mailer):
    task = sent()

    for _time in range(2):
        report(EventType.BOUNCED, people[2].email, event_id="sg-event-1", mta_response="550 5.1.1 gone",
               message_id=our_message_id(task, people[2]))

    assert ProviderEvent.objects.count() == 1
    assert Suppression.objects.count() == 1


def test_report_without_an_event_id_is_known_again_by_its_contents(db):
    moment = timezone.now()

    for _time in range(2):
        report(EventType.COMPLAINED, "ann@example.com", provider="Brevo", event_id=None, timestamp=moment,
               message_id="<abc@smtp-relay.example>")

    assert ProviderEvent.objects.count() == 1
