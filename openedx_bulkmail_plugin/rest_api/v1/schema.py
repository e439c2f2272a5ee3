"""
The OpenAPI schema of the plugin's REST API, generated from the views themselves.

Only the plugin's own routes are described (the LMS's other APIs are not ours to
publish), and drf-spectacular is configured here, per view, because the LMS's global
REST_FRAMEWORK and SPECTACULAR_SETTINGS belong to the LMS.
"""
from django.conf import settings
from django.urls import include, path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from .base import AUTHENTICATION_CLASSES, extend_schema

API_PREFIX = "api/bulkmail/v1/"

SCHEMA_SETTINGS = {
    "TITLE": "Open edX bulk email",
    "DESCRIPTION": (
        "Course email for Open edX: recipient groups, sending and scheduling, review of sent "
        "messages, per-recipient status, reports, preview, and the learner's opt-out. "
        "Authenticate with the LMS session or a JWT (Authorization: JWT <token>)."
    ),
    "VERSION": "1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/" + API_PREFIX,
}


class LmsJwtScheme(OpenApiAuthenticationExtension):
    """How a JWT is presented: ``Authorization: JWT <token>``, as to every LMS API."""

    target_class = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="JWT",
                                                   bearer_format="JWT")


class LmsSessionScheme(OpenApiAuthenticationExtension):
    """The LMS session cookie (unsafe methods also need the CSRF token, as for any LMS API)."""

    target_class = "edx_rest_framework_extensions.auth.session.authentication.SessionAuthenticationAllowInactiveUser"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


def api_patterns():
    """The plugin's API routes under their public prefix, as the LMS mounts them."""
    return [path(API_PREFIX, include("openedx_bulkmail_plugin.rest_api.v1.urls"))]


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of this API, as JSON (or YAML when asked for)."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (AllowAny,)
    renderer_classes = (OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer)
    custom_settings = SCHEMA_SETTINGS
    schema = AutoSchema()

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="This OpenAPI schema")
    def get(self, request, *args, **kwargs):
        self.patterns = api_patterns()
        return super().get(request, *args, **kwargs)
