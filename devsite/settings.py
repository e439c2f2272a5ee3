"""
Settings of the dev site: a small LMS-like Django project that loads the plugin as the LMS does.

Everything a deployment varies comes from the environment: DATABASE_URL (default: a SQLite
file), CELERY_BROKER_URL (default: kombu's filesystem transport, no server needed),
EMAIL_BACKEND, EMAIL_HOST and EMAIL_PORT (default: the demo's mail sink on localhost:2525).
"""
import json
import os
from pathlib import Path

import dj_database_url
from edx_django_utils.plugins import add_plugins, get_plugin_apps

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("DEVSITE_STATE_DIR", BASE_DIR / ".devsite"))
STATE_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DEVSITE_SECRET_KEY", "devsite-insecure-secret-key-for-development-only")
DEBUG = os.environ.get("DEVSITE_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "edx_ace",
    "devsite.course_overviews",
    "devsite.student",
    "devsite.course_modes",
    "devsite.course_groups",
    "devsite.bulk_email",
    "devsite.django_comment_common",
    "devsite.grades",
    "devsite.courseware",
    "devsite.demo",
]
INSTALLED_APPS.extend(get_plugin_apps("lms.djangoapp"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "devsite.urls"
WSGI_APPLICATION = "devsite.wsgi.application"

# Templates are looked up as an LMS looks them up, uncached (see devsite.template_loaders):
# a theme first, then the LMS's five template directories, then every app's. As in the LMS,
# the Django engine comes first and answers every lookup the plugin makes, so the LMS's
# second engine (Mako, for its own pages) would never be asked and is left out.
LMS_TEMPLATES = BASE_DIR / "devsite" / "lms_templates"
LMS_THEME_TEMPLATE_DIRS = [LMS_TEMPLATES / "themes" / "demo-theme" / "lms" / "templates"]
LMS_TEMPLATE_DIRS = [LMS_TEMPLATES / name for name in ("lms", "common", "capa", "pipeline_mako", "static")]
# Stand-ins for the LMS's app template directories: with the dev site's four real ones before
# the plugin's, a lookup tries 56 files, as a profiled LMS worker did (280 per message).
DEVSITE_LMS_APP_TEMPLATE_DIRS = [STATE_DIR / "lms-app-templates" / f"app{number:02}" for number in range(40)]
for _folder in DEVSITE_LMS_APP_TEMPLATE_DIRS:
    _folder.mkdir(parents=True, exist_ok=True)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": LMS_TEMPLATE_DIRS,
        "APP_DIRS": False,
        "OPTIONS": {
            "loaders": [
                ("django.template.loaders.filesystem.Loader", [*LMS_THEME_TEMPLATE_DIRS, *LMS_TEMPLATE_DIRS]),
                "django.template.loaders.filesystem.Loader",
                "devsite.template_loaders.LmsAppDirectoriesLoader",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{STATE_DIR / 'devsite.sqlite3'}"),
        conn_max_age=0,
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    import pymysql

    pymysql.install_as_MySQLdb()
    DATABASES["default"].setdefault("OPTIONS", {}).update({"charset": "utf8mb4"})
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
else:
    # A file, not memory, so that Celery worker processes started by the tests share it;
    # one per test run, so that runs side by side do not share one.
    DATABASES["default"]["TEST"] = {"NAME": str(STATE_DIR / f"test-devsite-{os.getpid()}.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"

STATIC_URL = "/static/"
STATIC_ROOT = STATE_DIR / "static"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_REDIS_URL"]}
        if os.environ.get("CACHE_REDIS_URL")
        # The demo's site and worker share one, as an LMS and its workers share memcached or Redis.
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
              "LOCATION": os.environ["DEVSITE_SHARED_CACHE_DIR"]}
        if os.environ.get("DEVSITE_SHARED_CACHE_DIR")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

# Celery, as the LMS configures it; the default broker needs no server.
# DEVSITE_BROKER_DIR gives each end-to-end test its own, empty, filesystem broker.
BROKER_DIR = Path(os.environ.get("DEVSITE_BROKER_DIR", STATE_DIR / "broker"))
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("out", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "data_folder_processed": str(BROKER_DIR / "processed"),
    }
CELERY_TASK_DEFAULT_QUEUE = "edx.lms.core.default"
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "0") == "1"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Mail: by default to the demo's mail sink, whose messages the Mailbox page shows.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "2525"))
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = "no-reply@demo.example.com"
BULK_EMAIL_DEFAULT_FROM_EMAIL = "course-mail@demo.example.com"
MAILBOX_DIR = Path(os.environ.get("DEVSITE_MAILBOX_DIR", STATE_DIR / "mailbox"))

# As the LMS: platform identity and edx-ace.
LMS_ROOT_URL = os.environ.get("LMS_ROOT_URL", "http://localhost:8000")
PLATFORM_NAME = "Demo Open edX"
# edx-ace instantiates EVERY channel installed under the openedx.ace.channel entry point
# (stevedore's EnabledExtensionManager loads before it filters by name); ACE_ENABLED_CHANNELS
# only chooses among those that loaded. So, as the LMS's ace_common settings do, give the
# push and Sailthru channels what their loading needs (the push_notifications app, the
# Sailthru settings, empty) though neither is enabled; without it edx-ace logs
# "ERROR Could not load 'push_notification'" and "'sailthru_email'" on the first send.
INSTALLED_APPS.append("push_notifications")
ACE_CHANNEL_SAILTHRU_DEBUG = True
ACE_CHANNEL_SAILTHRU_TEMPLATE_NAME = "Automated Communication Engine Email"
ACE_CHANNEL_SAILTHRU_API_KEY = None
ACE_CHANNEL_SAILTHRU_API_SECRET = None
# Only the Django email channel (the plugin adds its own bulkmail_email to this list).
ACE_ENABLED_CHANNELS = ["django_email"]
ACE_ENABLED_POLICIES = []
ACE_CHANNEL_DEFAULT_EMAIL = "django_email"
ACE_CHANNEL_TRANSACTIONAL_EMAIL = "django_email"
BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = None

# Authentication as the LMS's REST APIs do it: session and JWT (edx-drf-extensions).
JWT_AUTH = {
    "JWT_ISSUER": f"{LMS_ROOT_URL}/oauth2",
    "JWT_ISSUERS": [{"ISSUER": f"{LMS_ROOT_URL}/oauth2", "AUDIENCE": "lms-key", "SECRET_KEY": "lms-secret"}],
    "JWT_AUDIENCE": "lms-key",
    "JWT_SECRET_KEY": "lms-secret",
    "JWT_ALGORITHM": "HS256",
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_AUTH_HEADER_PREFIX": "JWT",
    "JWT_PUBLIC_SIGNING_JWK_SET": None,
    "JWT_AUTH_COOKIE": "edx-jwt-cookie",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "openedx_bulkmail_plugin": {"handlers": ["console"], "level": os.environ.get("BULKMAIL_LOG_LEVEL", "INFO")},
    },
}

# BULKMAIL_* settings may come from the environment as JSON (tests start workers this way).
for _name, _value in os.environ.items():
    if _name.startswith("BULKMAIL_") and _name != "BULKMAIL_LOG_LEVEL":
        try:
            globals()[_name] = json.loads(_value)
        except ValueError:
            globals()[_name] = _value

add_plugins(__name__, "lms.djangoapp", "common")
add_plugins(__name__, "lms.djangoapp", os.environ.get("DEVSITE_SETTINGS_TYPE", "devstack"))
