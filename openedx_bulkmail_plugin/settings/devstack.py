"""
Settings for the LMS's devstack environment: the common defaults apply unchanged.
"""
from .common import plugin_settings as common_plugin_settings


def plugin_settings(settings):
    """Apply the plugin's devstack settings (the common defaults)."""
    common_plugin_settings(settings)
