"""
Settings the plugin adds to every LMS environment.

Each value is a default: what an operator already set (in YAML or a Tutor patch) is kept.
"""
from pathlib import Path

from ..conf import DEFAULTS, PREFIX

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "conf" / "locale"

ACE_CHANNEL_NAME = "bulkmail_email"
ACE_POLICY_NAME = "bulkmail_course_optout"

FILTER_STEPS = {
    "org.openedx.learning.instructor.dashboard.render.started.v1":
        "openedx_bulkmail_plugin.dashboard.filters.AddEmailSection",
    "org.openedx.learning.instructor.dashboard.tabs.requested.v1":
        "openedx_bulkmail_plugin.dashboard.filters.AddEmailTab",
}


def plugin_settings(settings):
    """Apply the plugin's defaults to the LMS ``settings`` module."""
    for name, setting in DEFAULTS.items():
        if not hasattr(settings, PREFIX + name):
            setattr(settings, PREFIX + name, setting.default)
    settings.ACE_ENABLED_CHANNELS = _with_item(getattr(settings, "ACE_ENABLED_CHANNELS", []), ACE_CHANNEL_NAME)
    settings.ACE_ENABLED_POLICIES = _with_item(getattr(settings, "ACE_ENABLED_POLICIES", []), ACE_POLICY_NAME)
    settings.OPEN_EDX_FILTERS_CONFIG = merge_filter_steps(getattr(settings, "OPEN_EDX_FILTERS_CONFIG", None) or {})
    _add_mako_templates(settings)
    _add_locale_path(settings)


def _add_locale_path(settings):
    """
    Django reads an app's translations only from ``<app>/locale``; Open edX plugins keep
    theirs in ``conf/locale`` (OEP-58, where atlas pulls them), so add it, after the LMS's
    own paths, whose translations win where both translate a string.
    """
    paths = list(getattr(settings, "LOCALE_PATHS", []))
    if str(LOCALE_DIR) not in map(str, paths):
        paths.append(str(LOCALE_DIR))
    settings.LOCALE_PATHS = paths


def _add_mako_templates(settings):
    """The legacy instructor dashboard includes section templates through its Mako lookup."""
    mako_dirs = getattr(settings, "MAKO_TEMPLATE_DIRS_BASE", None)
    if mako_dirs is not None and TEMPLATES_DIR not in mako_dirs:
        mako_dirs.append(TEMPLATES_DIR)


def _with_item(items, item):
    items = list(items)
    if item not in items:
        items.append(item)
    return items


def merge_filter_steps(filters_config, steps=None):
    """
    Return ``filters_config`` with our pipeline steps added once each.

    Operators' YAML may replace OPEN_EDX_FILTERS_CONFIG wholesale or list other plugins'
    steps for the same filters; those are kept, in order, and ours go last.
    """
    merged = {name: dict(config) for name, config in filters_config.items()}
    for filter_type, step in (steps or FILTER_STEPS).items():
        config = merged.setdefault(filter_type, {"fail_silently": True, "pipeline": []})
        pipeline = list(config.get("pipeline", []))
        if step not in pipeline:
            pipeline.append(step)
        config["pipeline"] = pipeline
        config.setdefault("fail_silently", True)
    return merged
