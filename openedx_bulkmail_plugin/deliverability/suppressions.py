"""
The suppression list: addresses no course mail goes to, and what an instructor reads about them.

    suppress("Ann@Example.com ", Suppression.HARD_BOUNCE, "550 5.1.1 User unknown", source="smtp")
    lift("ann@example.com")
    on_list(Delivery.objects.filter(...), "user__email")   # a subquery: one statement

An address is compared trimmed and in lower case, on both sides. Every writer goes through
:func:`suppress`, which keeps the first report of an address: a later one neither
duplicates it nor changes when it began.
"""
import csv

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Suppression

ADDRESS_ANNOTATION = "bulkmail_address"
LONGEST_DETAIL = 500


def normalise(address):
    """The form an address is kept and compared in: trimmed, lower case ("" for None)."""
    return (address or "").strip().lower()


def suppress(address, reason, detail="", source="", when=None):
    """
    Put ``address`` on the suppression list, unless it is there already.

    Args:
        address: as written anywhere (it is normalised here).
        reason: one of ``Suppression.REASON_CHOICES``.
        detail: the mail server's or provider's own words, kept for the instructor.
        source: who reported it ("smtp", "SendGrid webhook", "import", ...).
        when: when it happened (now by default).
    Returns:
        (Suppression, created), or (None, False) for an empty address.
    """
    address = normalise(address)
    if not address:
        return None, False
    defaults = {"reason": reason, "detail": (detail or "")[:LONGEST_DETAIL], "source": source[:64]}
    if when is not None:
        defaults["created"] = when
    try:
        with transaction.atomic():
            return Suppression.objects.get_or_create(address=address, defaults=defaults)
    except IntegrityError:  # written by a concurrent report between our read and our insert
        return Suppression.objects.get(address=address), False


def lift(address):
    """Take ``address`` off the list, so it is mailed again; whether it was on it."""
    deleted, _by_model = Suppression.objects.filter(address=normalise(address)).delete()
    return deleted > 0


def is_suppressed(address):
    """Whether ``address`` is on the list."""
    return Suppression.objects.filter(address=normalise(address)).exists()


def on_list(queryset, email_field):
    """
    ``queryset`` narrowed to the rows whose address (the field ``email_field``) is suppressed.

    The list is read through a subquery on its unique address index, so the caller's query
    stays one statement, whatever the list's size. Each row carries its normalised address
    as ``bulkmail_address``.
    """
    return queryset.annotate(**{ADDRESS_ANNOTATION: Lower(Trim(email_field))}).filter(
        **{f"{ADDRESS_ANNOTATION}__in": Suppression.objects.values("address")})


def skip_reasons(addresses):
    """``{address: the reason an instructor reads}`` for those of ``addresses`` on the list (one query)."""
    return {entry.address: skip_reason(entry) for entry in Suppression.objects.filter(address__in=set(addresses))}


def skip_reason(entry):
    """Why mail to a suppressed address was not sent, as "This address bounced on 2026-11-02: 550 5.1.1 …"."""
    date = entry.created.date().isoformat()
    sentences = {
        Suppression.HARD_BOUNCE: _("This address bounced on {date}"),
        Suppression.COMPLAINT: _("The owner of this address reported course mail as spam on {date}"),
        Suppression.SOFT_BOUNCES: _("This address bounced again and again, last on {date}"),
        Suppression.MANUAL: _("An operator stopped mail to this address on {date}"),
    }
    sentence = sentences.get(entry.reason, sentences[Suppression.MANUAL]).format(date=date)
    if not entry.detail:
        return sentence
    return _("{reason}: {detail}").format(reason=sentence, detail=entry.detail)


def skipped_note(count):
    """What an email's detail says about its suppressed recipients; empty when there are none."""
    if not count:
        return ""
    return ngettext(
        "{count} address skipped: bounced or complained before",
        "{count} addresses skipped: bounced or complained before",
        count,
    ).format(count=count)


def import_addresses(lines, reason=Suppression.MANUAL, source="import"):
    """
    Suppress every address of a provider's export (CSV text, with or without a header row).

    The address is the first cell that looks like one, so exports of SES ("EmailAddress"),
    SendGrid ("email") and Mailgun ("address") all work, as does a bare list.

    Returns:
        dict: how many addresses were ``added``, were ``already`` listed, and lines ``invalid``.
    """
    tally = {"added": 0, "already": 0, "invalid": 0}
    first = True
    for cells in csv.reader(lines):
        if not any(cell.strip() for cell in cells):
            continue
        address = next((normalise(cell) for cell in cells if "@" in cell), None)
        header, first = first and address is None, False
        if address is None:
            tally["invalid"] += 0 if header else 1
            continue
        try:
            validate_email(address)
        except ValidationError:
            tally["invalid"] += 1
            continue
        _entry, created = suppress(address, reason, source=source)
        tally["added" if created else "already"] += 1
    return tally

