"""
Django's makemessages, also extracting the Email page's counted strings.

``dashboard.catalog.plural_forms(singular, plural)`` holds strings that the page picks by
a count in the browser; xgettext must read its two arguments as a plural pair. The
override lives in the dev site, never in the plugin, so it cannot shadow the LMS's own
command.
"""
from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=plural_forms:1,2"]
