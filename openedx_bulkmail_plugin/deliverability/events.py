"""
What the mail provider's reports of bounces and complaints mean for the suppression list.

django-anymail turns each provider's webhook format into one normalised
:class:`~anymail.signals.AnymailTrackingEvent` and sends it on its ``tracking`` signal; this
module listens to that signal, whether the event came through our own webhook URLs
(:mod:`.webhooks`) or anymail's. For each event that speaks of a bounce or a complaint:

- it is written once (:class:`~openedx_bulkmail_plugin.models.ProviderEvent`, keyed by the
  provider's event id), so a provider that sends a webhook again changes nothing;
- it is tied to the delivery it is about: our Message-ID
  ``<bulkmail.{send}.{user}@{domain}>`` where the provider reports it, else the most recent
  message to that address (BULKMAIL_BOUNCE_MATCH_DAYS), whose row then shows ``bounced``
  or ``complained``;
- a hard bounce or a complaint suppresses the address at once, even one we never mailed;
  soft bounces suppress it after BULKMAIL_SOFT_BOUNCE_LIMIT different messages within
  BULKMAIL_SOFT_BOUNCE_DAYS, and count only when they are about a message of ours.
"""
import hashlib
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from anymail.signals import EventType, RejectReason, tracking
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import bulkmail_settings
from ..models import Delivery, ProviderEvent, Suppression
from . import replies, suppressions

log = logging.getLogger(__name__)

OUR_MESSAGE_ID = re.compile(r"bulkmail\.(\d+)\.(\d+)@")
LONGEST_SEARCH = 100_000
SUPPRESSION_REASONS = {
    ProviderEvent.HARD_BOUNCE: Suppression.HARD_BOUNCE,
    ProviderEvent.COMPLAINT: Suppression.COMPLAINT,
}


@receiver(tracking, dispatch_uid="openedx_bulkmail_plugin.provider_reports")
def on_tracking(sender, event, esp_name, **kwargs):  # pylint: disable=unused-argument
    """anymail's ``tracking`` signal: every normalised event of every provider webhook."""
    record(event, esp_name)


def record(event, provider):
    """
    Apply one tracking event to the suppression list and the ledger, once.

    Returns:
        The :class:`ProviderEvent` written, or None when the event says nothing about
        bounces or complaints, has no recipient, was seen before, or is a soft bounce of a
        message that is not ours.
    """
    kind = kind_of(event)
    address = suppressions.normalise(event.recipient if isinstance(event.recipient, str) else "")
    if kind is None or not address:
        return None
    when = _moment(event.timestamp)
    with transaction.atomic():
        delivery = delivery_of(event, address, when)
        if kind == ProviderEvent.SOFT_BOUNCE and delivery is None:
            log.info("A soft bounce of %s reported by %s is not about our mail; ignored.", address, provider)
            return None
        report = _written_once(event, provider, kind, address, when, delivery)
        if report is None:
            return None
        if delivery is not None:
            _show_on_delivery(delivery, event, kind, provider, report.detail)
        _suppress_when_due(report)
    return report


def kind_of(event):
    """``hard_bounce``, ``soft_bounce`` or ``complaint`` for a ProviderEvent, or None for other events."""
    if event.event_type == EventType.COMPLAINED:
        return ProviderEvent.COMPLAINT
    if event.event_type == EventType.DEFERRED:
        return ProviderEvent.SOFT_BOUNCE
    if event.event_type == EventType.BOUNCED:
        return ProviderEvent.SOFT_BOUNCE if is_soft_bounce(event) else ProviderEvent.HARD_BOUNCE
    if event.event_type == EventType.REJECTED:  # the provider's own list: it bounced or complained before
        if event.reject_reason in (RejectReason.BOUNCED, RejectReason.INVALID):
            return ProviderEvent.HARD_BOUNCE
        if event.reject_reason == RejectReason.SPAM:
            return ProviderEvent.COMPLAINT
    return None


def is_soft_bounce(event):
    """
    Whether a ``bounced`` event is a temporary one (mailbox full, given up after retries).

    anymail reports some providers' soft bounces as ``bounced`` and leaves the type in the
    provider's own fields: Amazon SES ``bounceType`` Transient or Undetermined, Postmark
    ``Type`` SoftBounce, Brevo ``soft_bounce``, SendGrid ``type`` blocked. Otherwise a 4xx
    reply from the receiving server says so.
    """
    raw = event.esp_event
    if isinstance(raw, Mapping):
        bounce = raw.get("bounce")
        if isinstance(bounce, Mapping) and bounce.get("bounceType") in ("Transient", "Undetermined"):
            return True
        if raw.get("Type") == "SoftBounce" or raw.get("event") == "soft_bounce":
            return True
        if raw.get("event") == "bounce" and raw.get("type") == "blocked":
            return True
    return replies.is_temporary(event.mta_response if isinstance(event.mta_response, str) else "")


def delivery_of(event, address, when):
    """The ledger row the event is about: by our Message-ID, else the last message to ``address``."""
    found = _our_message_id(event)
    if found is not None:
        row = Delivery.objects.filter(task_id=found[0], user_id=found[1]).first()
        if row is not None:
            return row
    since = when - timedelta(days=bulkmail_settings.BOUNCE_MATCH_DAYS)
    return (Delivery.objects.filter(status__in=Delivery.ACCEPTED_STATUSES, sent_at__gte=since,
                                    user__email__iexact=address)
            .order_by("-sent_at", "-id").first())


def _our_message_id(event):
    """(send id, user id) from our Message-ID, wherever the provider reports it, or None."""
    for text in (event.message_id, event.esp_event):
        match = OUR_MESSAGE_ID.search(str(text)[:LONGEST_SEARCH]) if text else None
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def _written_once(event, provider, kind, address, when, delivery):
    """The ProviderEvent for this event, or None when the provider sent it before."""
    detail = _detail(event)
    try:
        with transaction.atomic():
            return ProviderEvent.objects.create(
                key=event_key(event, provider, address), provider=provider[:64], kind=kind, address=address,
                detail=detail, occurred=when, delivery=delivery)
    except IntegrityError:
        log.info("A %s of %s reported by %s was recorded before; ignored.", kind, address, provider)
        return None


def event_key(event, provider, address):
    """
    What identifies one provider event: its id where the provider gives one.

    Some providers (Brevo, Postmark's complaints) give none; then the event's own contents
    (type, address, time, message) stand for it, which a resent webhook repeats too.
    """
    if event.event_id:
        parts = (provider, str(event.event_id), event.event_type, address)
    else:
        parts = (provider, event.event_type, address, str(event.timestamp), str(event.message_id),
                 str(event.mta_response), str(event.description))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _detail(event):
    for text in (event.mta_response, event.description, event.reject_reason):
        if isinstance(text, str) and text.strip():
            return text.strip()[:suppressions.LONGEST_DETAIL]
    return ""


def _show_on_delivery(delivery, event, kind, provider, detail):
    """The row of the message the report is about says ``bounced`` or ``complained``."""
    if kind == ProviderEvent.COMPLAINT:
        status, before = Delivery.COMPLAINED, (Delivery.SENT, Delivery.BOUNCED)
        words = _("{provider} reports that the recipient marked this message as spam.")
    elif event.event_type != EventType.DEFERRED:
        status, before = Delivery.BOUNCED, (Delivery.SENT,)
        words = _("{provider} reports that this message bounced.")
    else:
        return
    words = words.format(provider=provider)
    if detail:
        words = _("{report} {detail}").format(report=words, detail=detail)
    Delivery.objects.filter(id=delivery.id, status__in=before).update(status=status, last_error=words)


def _suppress_when_due(report):
    """Hard bounces and complaints suppress at once; soft bounces once they add up."""
    source = f"{report.provider} webhook"[:64]
    if report.kind in SUPPRESSION_REASONS:
        suppressions.suppress(report.address, SUPPRESSION_REASONS[report.kind], report.detail, source, report.occurred)
        return
    since = report.occurred - timedelta(days=bulkmail_settings.SOFT_BOUNCE_DAYS)
    soft_bounces = ProviderEvent.objects.filter(
        address=report.address, kind=ProviderEvent.SOFT_BOUNCE, occurred__gte=since).exclude(delivery=None)
    messages = soft_bounces.values("delivery_id").distinct().count()
    if messages >= bulkmail_settings.SOFT_BOUNCE_LIMIT:
        suppressions.suppress(report.address, Suppression.SOFT_BOUNCES, report.detail, source, report.occurred)


def _moment(timestamp):
    if isinstance(timestamp, datetime) and timezone.is_aware(timestamp):
        return timestamp
    return timezone.now()
