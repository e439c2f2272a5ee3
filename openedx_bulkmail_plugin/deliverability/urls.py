"""
``/bulkmail/esp/<provider>/tracking/``: where mail providers post their bounce and complaint reports.
"""
from django.urls import path

from .webhooks import PROVIDERS, TrackingWebhook

urlpatterns = [
    path(f"{name}/tracking/", TrackingWebhook.as_view(provider_view=view), name=f"esp-{name}-tracking")
    for name, view in PROVIDERS.items()
]
