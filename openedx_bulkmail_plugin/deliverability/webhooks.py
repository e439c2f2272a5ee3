"""
The mail providers' webhook URLs, ``/bulkmail/esp/<provider>/tracking/``, behind the webhook secret.

Each URL is django-anymail's tracking webhook view for that provider (it reads the
provider's format and sends normalised events on anymail's ``tracking`` signal, which
:mod:`.events` listens to), with a gate in front that anymail leaves to the site:

- no ``ANYMAIL["WEBHOOK_SECRET"]`` configured: every request is refused (403). anymail
  itself would only warn and accept anyone's reports, and anyone's reports could take any
  learner off course mail;
- a missing or wrong secret (HTTP basic auth ``user:password``): 401 with a challenge, as
  Amazon SNS needs before it sends the credentials; nothing is written;
- a body anymail cannot read: 400, logged, nothing written (every event of a request is
  read before the first is applied, and all are applied in one transaction);
- the provider's own extra checks (Mailgun's signature) that fail: 403.
"""
import logging

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import tracking
from anymail.utils import get_anymail_setting, get_request_basic_auth
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from anymail.webhooks.sparkpost import SparkPostTrackingWebhookView
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

PROVIDERS = {
    "amazon_ses": AmazonSESTrackingWebhookView,
    "brevo": BrevoTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "mailjet": MailjetTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "sparkpost": SparkPostTrackingWebhookView,
}
# What anymail's parsers raise on a body that is not the provider's format.
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError, AnymailError, ImproperlyConfigured)


def webhook_secrets():
    """The accepted ``user:password`` strings of anymail's WEBHOOK_SECRET (one, or a list while rotating)."""
    secret = get_anymail_setting("webhook_secret", default=[])
    if isinstance(secret, str):
        return [secret] if secret else []
    return [value for value in secret if isinstance(value, str) and value]


@method_decorator(csrf_exempt, name="dispatch")
class TrackingWebhook(View):
    """One provider's tracking webhook: the secret checked first, then anymail's view reads the events."""

    provider_view = None  # set by as_view(provider_view=...)
    http_method_names = ["post", "head"]

    def dispatch(self, request, *args, **kwargs):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)

    def refusal(self, request):
        """The response refusing ``request`` for want of the secret, or None to let it in."""
        secrets = webhook_secrets()
        if not secrets:
            log.warning("Bulk email: %s webhook refused: ANYMAIL['WEBHOOK_SECRET'] is not set.", self.provider_name)
            return _problem(403, _("This webhook is switched off until the site sets its secret."))
        given = get_request_basic_auth(request)
        if given is None or not any(constant_time_compare(given, secret) for secret in secrets):
            log.warning("Bulk email: %s webhook refused: missing or wrong secret.", self.provider_name)
            response = _problem(401, _("This webhook needs its secret."))
            response["WWW-Authenticate"] = 'Basic realm="bulkmail webhook"'
            return response
        return None

    def head(self, request, *args, **kwargs):  # pylint: disable=unused-argument
        """Some providers check the URL with HEAD when it is configured."""
        return HttpResponse()

    def post(self, request, *args, **kwargs):  # pylint: disable=unused-argument
        """Read every event of the body with anymail, then hand them all to the tracking signal in one transaction."""
        try:
            view = self.provider_view()
        except ImproperlyConfigured as error:  # e.g. Mailgun's signing key, or boto3 for SES
            log.error("Bulk email: %s webhook is not configured: %s", self.provider_name, error)
            return _problem(403, _("This webhook is not configured on this site."))
        try:
            view.run_validators(request)
            events = view.parse_events(request)
        except AnymailWebhookValidationFailure as failure:
            log.warning("Bulk email: %s webhook failed the provider's check: %s", self.provider_name, failure)
            return _problem(403, _("The provider's signature does not match."))
        except MALFORMED as error:
            log.warning("Bulk email: %s webhook body could not be read (%r): %.300r",
                        self.provider_name, error, request.body)
            return _problem(400, _("The body is not a %(provider)s tracking event.") % {
                "provider": self.provider_name})
        with transaction.atomic():
            for event in events:
                tracking.send(sender=self.provider_view, event=event, esp_name=view.esp_name)
        return HttpResponse()

    @property
    def provider_name(self):
        return self.provider_view.esp_name


def _problem(status, detail):
    return JsonResponse({"detail": detail}, status=status)
