"""
Template loaders that search as many places as an LMS's do, so the dev site pays what an LMS pays.

edx-ace looks up five templates for every message it renders. In an LMS none of those
lookups is cached: edx-platform's loaders (a theme loader, then filesystem and
app-directories loaders wrapped to recognise Mako templates) try every theme and template
directory, then every installed app's ``templates`` directory, then parse the file found.
A cProfile of an LMS worker put 55% of a message's time there, at about 56 file-open
attempts per lookup. Django's default here (one cached loader over five app directories)
would hide that cost, so the dev site lists uncached loaders explicitly (see
``TEMPLATES`` in ``devsite.settings``) and this loader adds the app directories it lacks.
"""
from django.conf import settings
from django.template.loaders import app_directories


class LmsAppDirectoriesLoader(app_directories.Loader):
    """
    Django's app-directories loader, searching first stand-ins for the apps an LMS has and the dev site has not.

    An LMS installs over a hundred apps, dozens of them with a ``templates`` directory, all
    before any plugin's (plugins are appended to INSTALLED_APPS). The stand-ins are the
    directories named by ``DEVSITE_LMS_APP_TEMPLATE_DIRS``: real, and holding nothing the
    dev site looks up, as most of an LMS's are for a course email.
    """

    def get_dirs(self):
        return [*settings.DEVSITE_LMS_APP_TEMPLATE_DIRS, *super().get_dirs()]
