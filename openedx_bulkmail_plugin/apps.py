"""
The plugin's Django app, registered with the LMS through the ``lms.djangoapp`` entry point.
"""
from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginSettings, PluginURLs

LMS = "lms.djangoapp"


class BulkMailConfig(AppConfig):
    """
    Tells the LMS plugin framework where the plugin's URLs and settings live.

    Nothing in edx-platform is edited: the LMS finds this class through the entry point
    and mounts the URLs and applies the settings modules named here.
    """

    name = "openedx_bulkmail_plugin"
    verbose_name = "Bulk email"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            LMS: {
                PluginURLs.NAMESPACE: "bulkmail",
                PluginURLs.REGEX: r"^",
                PluginURLs.RELATIVE_PATH: "urls",
            },
        },
        PluginSettings.CONFIG: {
            LMS: {
                "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
                "production": {PluginSettings.RELATIVE_PATH: "settings.production"},
                "devstack": {PluginSettings.RELATIVE_PATH: "settings.devstack"},
                "test": {PluginSettings.RELATIVE_PATH: "settings.test"},
            },
        },
    }

    def ready(self):
        from . import (
            checks,  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import  (system checks)
            sweeper,  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import  (the worker sweep)
        )
        from .conf import validate_settings  # pylint: disable=import-outside-toplevel
        from .deliverability import events  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import  (tracking)

        validate_settings()
