"""
Operators' tools: the Django admin lists, searches, adds and removes suppressions, and a
management command imports a provider's export and removes an address.
"""
import pytest
from django.core.management import CommandError, call_command

from openedx_bulkmail_plugin.deliverability import suppressions
from openedx_bulkmail_plugin.models import Suppression
from tests import factories

pytestmark = pytest.mark.django_db
ADMIN = "/admin/openedx_bulkmail_plugin/suppression/"


@pytest.fixture
def operator(client):
    client.force_login(factories.user(username="operator", is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_searches_suppressions(operator):
    suppressions.suppress("ann@example.com", Suppression.HARD_BOUNCE, "550 5.1.1 unknown", "smtp")
    suppressions.suppress("bob@example.com", Suppression.COMPLAINT, "abuse", "SendGrid webhook")

    page = operator.get(ADMIN, {"q": "ann@"}).content.decode()

    assert "ann@example.com" in page and "bob@example.com" not in page


def test_admin_adds_an_address_trimmed_and_in_lower_case(operator):
    response = operator.post(f"{ADMIN}add/", {
        "address": " Carol@Example.COM ", "reason": Suppression.MANUAL, "detail": "asked by support",
        "source": "admin", "created_0": "2026-11-02", "created_1": "10:00:00"})

    assert response.status_code == 302
    assert Suppression.objects.get().address == "carol@example.com"


def test_admin_removes_a_suppression(operator):
    entry, _created = suppressions.suppress("ann@example.com", Suppression.HARD_BOUNCE, source="smtp")

    response = operator.post(f"{ADMIN}{entry.id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Suppression.objects.exists()


def test_command_imports_a_provider_export(tmp_path, capsys):
    export = tmp_path / "ses-suppressions.csv"
    export.write_text("EmailAddress,Reason,LastUpdateTime\nann@example.com,BOUNCE,x\nnot-an-address,BOUNCE,x\n")

    call_command("bulkmail_suppressions", "import", str(export), "--reason", "hard_bounce", "--source", "SES export")

    entry = Suppression.objects.get()
    assert (entry.address, entry.reason, entry.source) == ("ann@example.com", Suppression.HARD_BOUNCE, "SES export")
    assert "1 added, 0 already suppressed, 1 lines without a valid address." in capsys.readouterr().out


def test_command_removes_an_address(capsys):
    suppressions.suppress("ann@example.com", Suppression.HARD_BOUNCE, source="smtp")

    call_command("bulkmail_suppressions", "remove", "Ann@Example.com", "nobody@example.com")

    assert not Suppression.objects.exists()
    out = capsys.readouterr().out
    assert "ann@example.com: removed" in out and "nobody@example.com: was not suppressed" in out


def test_command_shows_why_an_address_is_suppressed(capsys):
    suppressions.suppress("ann@example.com", Suppression.HARD_BOUNCE, "550 5.1.1 unknown", "smtp")

    call_command("bulkmail_suppressions", "show", "ann@example.com")

    assert "ann@example.com: This address bounced on " in capsys.readouterr().out


def test_command_says_when_the_file_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("bulkmail_suppressions", "import", str(tmp_path / "missing.csv"))
