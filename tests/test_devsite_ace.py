"""
The dev site loads edx-ace's channels as an LMS does: no "Could not load" errors in the
worker's log on the first send, and only the channels bulk mail needs are enabled.
"""
import logging

from django.conf import settings
from edx_ace.utils.plugins import get_plugins


def test_every_installed_ace_channel_loads_without_an_error(caplog):
    with caplog.at_level(logging.WARNING):
        channels = get_plugins("openedx.ace.channel", settings.ACE_ENABLED_CHANNELS)

    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert sorted(channel.name for channel in channels) == ["bulkmail_email", "django_email"]
