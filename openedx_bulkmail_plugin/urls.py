"""
The plugin's URLs, mounted at the LMS root by the plugin framework.

- ``/api/bulkmail/v1/...``: the REST API (course-scoped and learner-scoped)
- ``/bulkmail/...``: the Email page and the one-click unsubscribe pages
- ``/bulkmail/esp/...``: the mail providers' bounce and complaint webhooks
"""
from django.urls import include, path

urlpatterns = [
    path("api/bulkmail/v1/", include("openedx_bulkmail_plugin.rest_api.v1.urls")),
    path("bulkmail/esp/", include("openedx_bulkmail_plugin.deliverability.urls")),
    path("bulkmail/unsubscribe/", include("openedx_bulkmail_plugin.unsubscribe.urls")),
    path("bulkmail/", include("openedx_bulkmail_plugin.dashboard.urls")),
]
