"""
Open edX filter steps that put the Email page into both instructor dashboards.

The legacy dashboard (``InstructorDashboardRenderStarted``) gets an Email section that
frames the plugin's page; the instructor dashboard MFE (``InstructorDashboardTabsRequested``)
gets a tab whose absolute URL it shows as a plain link. Both replace the platform's own
bulk email entry, so instructors see one Email, the one that sends through this plugin.
"""
import logging
from pathlib import Path

import crum
from django.conf import settings
from django.utils.translation import gettext as _
from openedx_filters import PipelineStep

from ..access import is_course_email_staff
from ..settings.common import TEMPLATES_DIR
from .views import email_page_path, email_page_url

SECTION_KEY = "bulkmail_email"
TEMPLATE_PATH_PREFIX = "openedx_bulkmail_plugin/dashboard/"
PLATFORM_SECTION_KEY = "send_email"
TAB_ID = "bulkmail_email"
PLATFORM_TAB_ID = "bulk_email"
TAB_SORT_ORDER = 100

log = logging.getLogger(__name__)


def section_template_is_reachable():
    """
    Whether the LMS's Mako lookup can find the section template.

    The legacy dashboard fails as a whole when a section's template is missing, so the
    section is only offered once the plugin's templates folder is in
    MAKO_TEMPLATE_DIRS_BASE (outside the LMS there is no Mako lookup to check).
    """
    mako_dirs = getattr(settings, "MAKO_TEMPLATE_DIRS_BASE", None)
    if mako_dirs is None:
        return True
    return any(Path(str(folder)).resolve() == TEMPLATES_DIR for folder in mako_dirs)


def _replace_or_append(items, key_name, platform_key, ours):
    """``items`` with the platform's entry replaced by ``ours`` in place, or ``ours`` appended."""
    kept = [item for item in items if item.get(key_name) != ours[key_name]]
    for index, item in enumerate(kept):
        if item.get(key_name) == platform_key:
            kept[index] = ours
            return kept
    return kept + [ours]


class AddEmailSection(PipelineStep):
    """
    Add the Email section to the legacy instructor dashboard.

    The dashboard includes ``<template_path_prefix><section_key>.html`` (Mako) for each
    section; ours frames the plugin's Email page, which checks access itself, by its path,
    so the frame shares the dashboard's origin whatever LMS_ROOT_URL says. The section is
    left out for a user who may not use the course's email.
    """

    def run_filter(self, context, template_name):  # pylint: disable=arguments-differ
        course = context.get("course")
        course_key = getattr(course, "id", None)
        if course_key is None:
            return {"context": context, "template_name": template_name}
        if not section_template_is_reachable():
            log.warning("Bulk email section left out: %s is not in MAKO_TEMPLATE_DIRS_BASE.", TEMPLATES_DIR)
            return {"context": context, "template_name": template_name}
        user = crum.get_current_user()
        if user is not None and not is_course_email_staff(user, course_key):
            return {"context": context, "template_name": template_name}
        section = {
            "section_key": SECTION_KEY,
            "section_display_name": _("Email"),
            "template_path_prefix": TEMPLATE_PATH_PREFIX,
            "course_id": str(course_key),
            "page_url": email_page_path(course_key) + "?embedded=1",
        }
        context["sections"] = _replace_or_append(
            list(context.get("sections", [])), "section_key", PLATFORM_SECTION_KEY, section)
        return {"context": context, "template_name": template_name}


class AddEmailTab(PipelineStep):
    """Add the Email tab to the instructor dashboard MFE, for the course's email staff only."""

    def run_filter(self, tabs, user, course_key):  # pylint: disable=arguments-differ
        if not is_course_email_staff(user, course_key):
            return {"tabs": tabs, "user": user, "course_key": course_key}
        tab = {
            "tab_id": TAB_ID,
            "title": _("Email"),
            "url": email_page_url(course_key),
            "sort_order": TAB_SORT_ORDER,
        }
        return {
            "tabs": _replace_or_append(list(tabs), "tab_id", PLATFORM_TAB_ID, tab),
            "user": user,
            "course_key": course_key,
        }
