"""
The suppression list itself: how addresses are kept, which SMTP replies mean a mailbox is
gone, what an instructor reads, and importing a provider's export.
"""
import io
from datetime import UTC, datetime

import pytest

from openedx_bulkmail_plugin.deliverability import replies, suppressions
from openedx_bulkmail_plugin.models import Suppression

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reply", [
    "550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown",
    "550-5.1.1 The email account that you tried to reach does not exist.",
    "551 5.1.6 User has moved; no forwarding address",
    "553 5.1.3 Bad recipient address syntax",
    "550 5.1.10 Recipient domain has a null MX",
])
def test_replies_saying_the_mailbox_does_not_exist(reply):
    assert replies.mailbox_does_not_exist(reply)


@pytest.mark.parametrize("reply", [
    "550 5.7.1 Message rejected as spam",
    "554 5.7.1 Relay access denied",
    "552 5.2.2 Mailbox full",
    "550 5.1.8 Sender address rejected: domain not found",
    "450 4.1.1 Try again later",
    "550 Requested action not taken",
    "",
    None,
])
def test_other_replies_say_nothing_about_the_mailbox(reply):
    assert not replies.mailbox_does_not_exist(reply)


@pytest.mark.parametrize("reply, temporary", [
    ("452 4.2.2 Mailbox full", True),
    ("smtp; 4.4.7 Delivery time expired", True),
    ("smtp; 550 5.1.1 user unknown", False),
    ("", False),
])
def test_temporary_replies_are_soft_bounces(reply, temporary):
    assert replies.is_temporary(reply) is temporary


def test_address_is_kept_trimmed_and_in_lower_case():
    entry, created = suppressions.suppress("  Ann@Example.COM ", Suppression.HARD_BOUNCE, "550 5.1.1", "smtp")

    assert created
    assert entry.address == "ann@example.com"
    assert suppressions.is_suppressed("ANN@example.com")


def test_second_report_of_an_address_keeps_the_first():
    first = datetime(2026, 11, 2, tzinfo=UTC)
    suppressions.suppress("ann@example.com", Suppression.HARD_BOUNCE, "550 5.1.1 gone", "smtp", when=first)

    entry, created = suppressions.suppress("Ann@example.com", Suppression.COMPLAINT, "abuse", "SendGrid")

    assert not created
    assert (entry.reason, entry.created, Suppression.objects.count()) == (Suppression.HARD_BOUNCE, first, 1)


@pytest.mark.parametrize("reason, detail, text", [
    (Suppression.HARD_BOUNCE, "550 5.1.1 user unknown", "This address bounced on 2026-11-02: 550 5.1.1 user unknown"),
    (Suppression.COMPLAINT, "abuse", "The owner of this address reported course mail as spam on 2026-11-02: abuse"),
    (Suppression.SOFT_BOUNCES, "", "This address bounced again and again, last on 2026-11-02"),
    (Suppression.MANUAL, "", "An operator stopped mail to this address on 2026-11-02"),
])
def test_instructor_reads_why_and_since_when(reason, detail, text):
    entry = Suppression(address="ann@example.com", reason=reason, detail=detail,
                        created=datetime(2026, 11, 2, 9, tzinfo=UTC))

    assert suppressions.skip_reason(entry) == text


@pytest.mark.parametrize("count, note", [
    (0, ""), (1, "1 address skipped: bounced or complained before"),
    (3, "3 addresses skipped: bounced or complained before"),
])
def test_email_detail_note(count, note):
    assert suppressions.skipped_note(count) == note


def test_lifting_takes_the_address_off_the_list():
    suppressions.suppress("ann@example.com", Suppression.MANUAL, source="admin")

    assert suppressions.lift(" ANN@example.com")
    assert not suppressions.is_suppressed("ann@example.com")
    assert not suppressions.lift("ann@example.com")


@pytest.mark.parametrize("export", [
    "EmailAddress,Reason,LastUpdateTime\nann@example.com,BOUNCE,2026-11-01\nBob@Example.com,COMPLAINT,2026-11-01\n",
    "created,email,reason,status\n1700000000,ann@example.com,550 5.1.1,5.1.1\n1700000000,bob@example.com,x,5.0.0\n",
    "ann@example.com\nbob@example.com\n\n",
])
def test_provider_exports_are_imported(export):
    tally = suppressions.import_addresses(io.StringIO(export), Suppression.HARD_BOUNCE, source="import")

    assert tally == {"added": 2, "already": 0, "invalid": 0}
    assert set(Suppression.objects.values_list("address", flat=True)) == {"ann@example.com", "bob@example.com"}


def test_import_counts_what_it_already_had_and_what_it_could_not_read():
    suppressions.suppress("ann@example.com", Suppression.MANUAL, source="admin")

    tally = suppressions.import_addresses(io.StringIO("ann@example.com\nnot an address\nbad@@example\n"))

    assert tally == {"added": 0, "already": 1, "invalid": 2}
