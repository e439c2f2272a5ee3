"""
System checks (``manage.py check``) for what a setting's type cannot tell: whether the
caches the plugin shares between the LMS and its Celery workers are shared at all.
"""
from django.conf import settings
from django.core import checks

from .conf import PREFIX, bulkmail_settings

# Backends whose entries live in one process only: a worker's write never reaches the LMS.
PROCESS_LOCAL_BACKENDS = ("LocMemCache", "DummyCache")


@checks.register(checks.Tags.caches)
def check_shared_caches(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """Warn when a cache the workers and the LMS must share lives in each process alone."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []  # the tasks run in the web process: one process, nothing to share
    needed = {"COUNT_CACHE": "the counts of courses above BULKMAIL_EXACT_COUNT_ENROLLMENTS, made by a "
                             "worker, never reach the Email page, which shows estimates only"}
    if bulkmail_settings.MAX_MESSAGES_PER_SECOND:
        needed["RATE_LIMIT_CACHE"] = "each worker process keeps its own rate, so together they send faster"
    warnings = []
    for name, consequence in needed.items():
        alias = getattr(bulkmail_settings, name)
        backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
        if alias in settings.CACHES and backend.rsplit(".", 1)[-1] in PROCESS_LOCAL_BACKENDS:
            warnings.append(checks.Warning(
                f"{PREFIX}{name} names the cache '{alias}', which lives in each process alone ({backend}): "
                f"{consequence}.",
                hint="Name a cache the LMS and its Celery workers share (Redis or memcached, like the LMS's own).",
                id="openedx_bulkmail_plugin.W001",
            ))
    return warnings
