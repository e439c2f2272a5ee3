"""
``manage.py check`` warns an operator whose LMS and workers would not share the plugin's caches.
"""
from openedx_bulkmail_plugin.checks import check_shared_caches

LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
SHARED = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}


def warned_settings(messages):
    return sorted(message.msg.split(" ", 1)[0] for message in messages)


def test_a_count_cache_local_to_each_process_is_warned_about(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": LOCAL}

    messages = check_shared_caches()

    assert warned_settings(messages) == ["BULKMAIL_COUNT_CACHE"]
    assert messages[0].id == "openedx_bulkmail_plugin.W001"
    assert "estimates only" in messages[0].msg


def test_a_rate_limit_cache_is_checked_only_when_a_rate_is_set(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": SHARED, "local": LOCAL}
    settings.BULKMAIL_RATE_LIMIT_CACHE = "local"
    assert check_shared_caches() == []

    settings.BULKMAIL_MAX_MESSAGES_PER_SECOND = 20
    assert warned_settings(check_shared_caches()) == ["BULKMAIL_RATE_LIMIT_CACHE"]


def test_shared_caches_and_tasks_run_in_the_web_process_need_no_warning(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": SHARED}
    assert check_shared_caches() == []

    settings.CACHES = {"default": LOCAL}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert check_shared_caches() == []
