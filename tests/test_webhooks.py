"""
The providers' webhook URLs under /bulkmail/esp/: refused without the secret, 400 for a
body that is not the provider's, and a real SendGrid payload that suppresses an address.
"""
import base64
import hashlib
import hmac
import json
import logging

import pytest
from django.urls import reverse

from openedx_bulkmail_plugin.deliverability.webhooks import PROVIDERS
from openedx_bulkmail_plugin.models import Delivery, ProviderEvent, Suppression
from openedx_bulkmail_plugin.sending import tasks
from tests.engine_support import pending_send, statuses

pytestmark = [
    pytest.mark.django_db,
    # anymail 15 warns that SendGrid is no longer officially supported; its webhook still works.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

SECRET = "bulkmail:correct-horse-battery"
SENDGRID = "/bulkmail/esp/sendgrid/tracking/"


@pytest.fixture
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    return SECRET


def auth(credentials):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def sendgrid_event(email, event="spamreport", event_id="sg-1", **fields):
    return {"email": email, "timestamp": 1795000000, "event": event, "sg_event_id": event_id,
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", **fields}


def post(client, body, credentials=SECRET, path=SENDGRID):
    headers = auth(credentials) if credentials else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_urls_are_mounted_under_bulkmail_esp(provider):
    assert reverse(f"bulkmail:esp-{provider}-tracking") == f"/bulkmail/esp/{provider}/tracking/"


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_without_a_configured_secret_every_request_is_refused(client, settings, provider):
    settings.ANYMAIL = {}

    response = client.post(f"/bulkmail/esp/{provider}/tracking/", data="[]", content_type="application/json",
                           **auth("anyone:anything"))

    assert response.status_code == 403
    assert not ProviderEvent.objects.exists()


def test_missing_secret_is_challenged_and_nothing_is_written(client, secret):  # pylint: disable=unused-argument
    response = post(client, [sendgrid_event("ann@example.com")], credentials=None)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert not Suppression.objects.exists() and not ProviderEvent.objects.exists()


@pytest.mark.parametrize("credentials", ["bulkmail:wrong", "someone:correct-horse-battery", "bulkmail:"])
def test_wrong_secret_is_refused_and_nothing_is_written(client, secret, credentials):  # pylint: disable=unused-argument
    response = post(client, [sendgrid_event("ann@example.com")], credentials=credentials)

    assert response.status_code == 401
    assert not Suppression.objects.exists() and not ProviderEvent.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_providers_methods_are_served(client, secret, method):  # pylint: disable=unused-argument
    assert getattr(client, method)(SENDGRID, **auth(SECRET)).status_code == 405


@pytest.mark.parametrize("body", [
    "not json at all",
    '{"email": "ann@example.com", "event": "spamreport"}',
    '[{"email": "ann@example.com"}]',
    b"\xff\xfe",
])
def test_malformed_body_is_400_logged_and_nothing_is_written(client, secret, caplog, body):  # pylint: disable=unused-argument
    with caplog.at_level(logging.WARNING):
        response = post(client, body)

    assert response.status_code == 400
    assert "could not be read" in caplog.text
    assert not Suppression.objects.exists() and not ProviderEvent.objects.exists()


def test_one_bad_event_among_good_ones_writes_nothing(client, secret):  # pylint: disable=unused-argument
    response = post(client, [sendgrid_event("ann@example.com"), {"email": "bob@example.com"}])

    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_sendgrid_complaint_suppresses_the_address_and_marks_our_message(client, secret, people, mailer):  # pylint: disable=unused-argument
    task = pending_send()
    tasks.start_send(task.id)
    person = people[3]
    body = [
        sendgrid_event(person.email, event="delivered", event_id="sg-0", response="250 OK"),
        sendgrid_event(person.email, event="spamreport", event_id="sg-1",
                       **{"smtp-id": f"<bulkmail.{task.id}.{person.id}@localhost>"}),
    ]

    response = post(client, body)

    assert response.status_code == 200
    assert Suppression.objects.get(address=person.email).reason == Suppression.COMPLAINT
    assert statuses(task)[person.email] == Delivery.COMPLAINED


def test_secret_may_be_one_of_several_while_it_is_rotated(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["bulkmail:old-secret", SECRET]}

    response = post(client, [sendgrid_event("ann@example.com", event="bounce", reason="550 5.1.1 unknown")])

    assert response.status_code == 200
    assert Suppression.objects.get(address="ann@example.com").reason == Suppression.HARD_BOUNCE


def test_burst_of_events_sent_twice_is_written_once_each(client, secret):  # pylint: disable=unused-argument
    body = [sendgrid_event(f"learner{n}@example.com", event="bounce", event_id=f"sg-{n}", reason="550 5.1.1 unknown")
            for n in range(1000)]

    first, again = post(client, body), post(client, body)

    assert (first.status_code, again.status_code) == (200, 200)
    assert ProviderEvent.objects.count() == 1000
    assert Suppression.objects.count() == 1000


def test_mailgun_without_its_signing_key_is_refused_not_a_server_error(client, secret):  # pylint: disable=unused-argument
    response = client.post("/bulkmail/esp/mailgun/tracking/", data="{}", content_type="application/json",
                           **auth(SECRET))

    assert response.status_code == 403


def test_postmark_spam_complaint_suppresses_the_address(client, secret):  # pylint: disable=unused-argument
    body = {"RecordType": "SpamComplaint", "ID": 42, "Type": "SpamComplaint", "TypeCode": 512,
            "Email": "Ann@Example.com", "BouncedAt": "2026-11-02T10:00:00Z", "Description": "Spam complaint",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Details": "", "Tag": ""}

    response = post(client, body, path="/bulkmail/esp/postmark/tracking/")

    assert response.status_code == 200
    entry = Suppression.objects.get(address="ann@example.com")
    assert (entry.reason, entry.source) == (Suppression.COMPLAINT, "Postmark webhook")


def mailgun_body(signing_key, recipient, message_id, token="a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"):
    timestamp = "1795000000"
    signature = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": "failed", "severity": "permanent", "reason": "bounce", "recipient": recipient,
            "timestamp": 1795000000.5, "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "delivery-status": {"code": 550, "message": "550 5.1.1 The email account does not exist"},
            "message": {"headers": {"message-id": message_id, "to": recipient}},
        },
    }


def test_signed_mailgun_bounce_suppresses_and_marks_our_message(client, settings, people, mailer):  # pylint: disable=unused-argument
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}
    task = pending_send()
    tasks.start_send(task.id)
    person = people[6]

    response = post(client, mailgun_body("key-mailgun", person.email, f"bulkmail.{task.id}.{person.id}@localhost"),
                    path="/bulkmail/esp/mailgun/tracking/")

    assert response.status_code == 200
    entry = Suppression.objects.get(address=person.email)
    assert (entry.reason, entry.detail) == (Suppression.HARD_BOUNCE, "550 5.1.1 The email account does not exist")
    assert statuses(task)[person.email] == Delivery.BOUNCED


def test_mailgun_report_with_a_wrong_signature_is_refused(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}

    response = post(client, mailgun_body("not-the-key", "ann@example.com", "x@y"),
                    path="/bulkmail/esp/mailgun/tracking/")

    assert response.status_code == 403
    assert not Suppression.objects.exists()
