"""
The plugin's settings: every ``BULKMAIL_*`` name, its default and its meaning, in one place.

Read them through ``bulkmail_settings.NAME`` (without the prefix). Values are looked up on
each access, so ``override_settings`` in tests and per-site settings work without reloads.
The plugin's ``settings/common.py`` copies these defaults into the LMS settings, without
overwriting anything an operator already set.
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "BULKMAIL_"


class Setting:
    """One setting: its default, the types it accepts, and what it is for."""

    def __init__(self, default, types, doc, allow_none=False, minimum=None):
        self.default = default
        self.types = types
        self.doc = doc
        self.allow_none = allow_none
        self.minimum = minimum

    def problem_with(self, value):
        """Say what is wrong with ``value``, or return None when it is acceptable."""
        if value is None:
            return None if self.allow_none else "must not be None"
        if isinstance(value, bool) and bool not in self.types:
            return f"must be {self.type_names()}, not a boolean"
        if not isinstance(value, self.types):
            return f"must be {self.type_names()}, not {type(value).__name__} {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum}, not {value!r}"
        return None

    def type_names(self):
        names = " or ".join(t.__name__ for t in self.types)
        return f"{names} or None" if self.allow_none else names


DEFAULTS = {
    "CELERY_QUEUE": Setting(
        "edx.lms.core.high", (str,),
        "Celery queue for every bulk-mail task. The LMS high-priority queue by default; "
        "a dedicated queue keeps a large send from delaying other LMS work.",
    ),
    "BATCH_SIZE": Setting(
        500, (int,),
        "Recipients per batch task. A batch keeps its mail sessions busy until its last "
        "messages; larger batches waste less of that tail, smaller ones retry less at once.",
        minimum=1,
    ),
    "MAX_BODY_BYTES": Setting(
        1_000_000, (int,), "Largest accepted HTML body, in bytes (UTF-8).", minimum=1,
    ),
    "LAST_LOGIN_ELIGIBILITY_MONTHS": Setting(
        18, (int,),
        "Learners who have not logged in for this many months get no course email. The "
        "platform's BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD wins when set; None or 0 "
        "switches the rule off.",
        allow_none=True, minimum=0,
    ),
    "FROM_EMAIL": Setting(
        None, (str,),
        "Sender address. None falls back to BULK_EMAIL_DEFAULT_FROM_EMAIL, then DEFAULT_FROM_EMAIL.",
        allow_none=True,
    ),
    "COURSE_SPECIFIC_FROM": Setting(
        False, (bool,),
        'Send as "<course title>" Course Staff <address> instead of the bare address.',
    ),
    "ACE_CHANNEL": Setting(
        "bulkmail_email", (str,),
        "Name of the ACE email channel that delivers course mail. The default reuses one SMTP "
        "connection per batch and adds List-Unsubscribe headers; name another enabled ACE "
        "channel (for example braze_email) to route through it instead.",
    ),
    "RETRY_MAX_ATTEMPTS": Setting(
        5, (int,),
        "How many temporary SMTP failures in a row (4xx, lost connections) a batch may meet "
        "before its unsent recipients are marked failed. The count starts again whenever a "
        "message gets through, so a long batch on a flaky link is not failed for old troubles.",
        minimum=1,
    ),
    "RETRY_BACKOFF_SECONDS": Setting(
        10, (int, float), "First retry delay; it doubles on each attempt, with jitter.", minimum=0,
    ),
    "RETRY_BACKOFF_MAX_SECONDS": Setting(
        300, (int, float),
        "Cap on the retry delay. Keep it well under the broker's visibility timeout.",
        minimum=0,
    ),
    "LEDGER_CHUNK_ROWS": Setting(
        50_000, (int,),
        "The ledger of a send is written in transactions of at most this many rows, so a "
        "course of a million learners never holds one huge transaction on the LMS database.",
        minimum=1,
    ),
    "LEDGER_WRITERS": Setting(
        2, (int,),
        "Database connections that write a large send's ledger together: while one writes a "
        "range, the next finds its recipients in a temporary table (the LMS database user "
        "needs CREATE TEMPORARY TABLES; without it, or on SQLite, one connection does all).",
        minimum=1,
    ),
    "CONCURRENT_CONNECTIONS": Setting(
        24, (int,),
        "Mail sessions one batch keeps busy at once (and so messages in flight per worker "
        "process). Relays answer each SMTP command after tens of milliseconds; several "
        "sessions side by side overlap those waits. 1 sends one message at a time.",
        minimum=1,
    ),
    "MESSAGES_PER_CONNECTION": Setting(
        100, (int,),
        "A mail session is closed and opened afresh after this many messages, as relays "
        "such as Amazon SES limit messages per session. 0 means no limit.",
        minimum=0,
    ),
    "MARK_EVERY_MESSAGES": Setting(
        20, (int,),
        "Accepted messages are written to the ledger in groups of at most this many (and "
        "at least every 0.2 s). A worker killed before writing a group sends those "
        "messages again when the batch resumes, so this also bounds the duplicates of a crash.",
        minimum=1,
    ),
    "OPTOUT_RECHECK_SECONDS": Setting(
        2, (int, float),
        "How often a running batch reads again, in one query, who opted out and whether "
        "its send was cancelled. A learner who opts out mid-send gets nothing after that.",
        minimum=0,
    ),
    "SMTP_TIMEOUT_SECONDS": Setting(
        600, (int, float),
        "How long a mail session waits for any reply when the site sets no EMAIL_TIMEOUT "
        "(RFC 5321 asks clients to wait up to ten minutes for the reply to DATA).",
        minimum=1,
    ),
    "BATCH_LEASE_SECONDS": Setting(
        60, (int,),
        "A batch is owned by its worker for this long, renewed while it sends. A batch whose "
        "lease ran out (its worker died) is handed to another worker.",
        minimum=5,
    ),
    "SWEEP_INTERVAL_SECONDS": Setting(
        20, (int,),
        "How often each Celery worker looks for due schedules and abandoned batches. 0 "
        "switches the worker's sweeper off (then run bulkmail_dispatch_due from cron).",
        minimum=0,
    ),
    "SCHEDULE_CHECK_SECONDS": Setting(
        60, (int,),
        "Longest countdown of the check task that watches a scheduled email; far below any "
        "broker's visibility timeout, so no long ETA message is ever left in the broker.",
        minimum=1,
    ),
    "SCHEDULE_MAX_DAYS": Setting(
        365, (int,), "How far ahead an email may be scheduled.", minimum=1,
    ),
    "SCHEDULE_CLOCK_SKEW_SECONDS": Setting(
        60, (int,), "How far in the past a requested schedule may lie (browser clock skew).",
        minimum=0,
    ),
    "MAX_MESSAGES_PER_SECOND": Setting(
        None, (int, float),
        "Deployment-wide sending rate shared by all workers through the cache (for providers "
        "such as Amazon SES that limit the whole account). None means no limit.",
        allow_none=True, minimum=0,
    ),
    "RATE_LIMIT_CACHE": Setting(
        "default", (str,), "Cache alias that holds the shared rate-limit counters.",
    ),
    "EXACT_COUNT_ENROLLMENTS": Setting(
        50_000, (int,),
        "Courses with at most this many enrollments are counted exactly on every request of the "
        "Email page. Larger ones answer at once from an exact count made in the background a "
        "little earlier (the page says when), or from an estimate until the first one is ready.",
        minimum=0,
    ),
    "COUNT_CACHE_SECONDS": Setting(
        300, (int,),
        "How long the background count of a large course (see BULKMAIL_EXACT_COUNT_ENROLLMENTS) "
        "is shown; a newer one is made in the background once it is older than a fifth of this.",
        minimum=1,
    ),
    "COUNT_CACHE": Setting(
        "default", (str,), "Cache alias that holds the background counts of large courses.",
    ),
    "SOFT_BOUNCE_LIMIT": Setting(
        3, (int,),
        "An address is suppressed after this many soft bounces (mailbox full, delivery given "
        "up after retries) of different messages, reported by the mail provider's webhook "
        "within BULKMAIL_SOFT_BOUNCE_DAYS. Hard bounces and complaints suppress at once.",
        minimum=1,
    ),
    "SOFT_BOUNCE_DAYS": Setting(
        30, (int,), "The window, in days, in which soft bounces are counted.", minimum=1,
    ),
    "BOUNCE_MATCH_DAYS": Setting(
        7, (int,),
        "A provider's report that does not carry our Message-ID is tied to the most recent "
        "message sent to that address within this many days, whose row then shows bounced "
        "or complained.",
        minimum=0,
    ),
    "RECENT_EMAILS_WINDOW_DAYS": Setting(
        7, (int,),
        "The once-a-week guard: before a send, the Email page counts the emails of the same "
        "course that learners of the selection got, or are scheduled to get, within this many "
        "days before or after it.",
        minimum=1,
    ),
    "RECENT_EMAILS_WARN_AT": Setting(
        1, (int,),
        "The Email page warns when some learner of the selection already has at least this "
        "many other emails of the course in the window. 1 follows the Open edX guide (at most "
        "one email a week): the send being written would be the second. None or 0 switches "
        "the guard off. It only ever warns; it never blocks a send.",
        allow_none=True, minimum=0,
    ),
    "REQUIRE_COURSE_AUTHORIZATION": Setting(
        False, (bool,),
        "When True, a course may send only after an admin authorized it (Django admin, "
        "Course authorizations).",
    ),
}


class BulkMailSettings:
    """Attribute access to the settings, with defaults: ``bulkmail_settings.BATCH_SIZE``."""

    def __getattr__(self, name):
        try:
            setting = DEFAULTS[name]
        except KeyError:
            raise AttributeError(f"Unknown bulk-mail setting {PREFIX}{name}") from None
        return getattr(settings, PREFIX + name, setting.default)


bulkmail_settings = BulkMailSettings()


def validate_settings():
    """
    Refuse to start with a mistyped setting, naming it.

    A wrong type found at start-up is a deploy-time error an operator can fix; found
    in the middle of a send it would be a half-sent email.

    Raises:
        ImproperlyConfigured: naming every setting that is wrong.
    """
    problems = []
    for name, setting in DEFAULTS.items():
        value = getattr(settings, PREFIX + name, setting.default)
        problem = setting.problem_with(value)
        if problem:
            problems.append(f"{PREFIX}{name} {problem}")
    if problems:
        raise ImproperlyConfigured("; ".join(problems))


def last_login_eligibility_months():
    """The inactive-learner cutoff in months, or None when the rule is off."""
    platform_value = getattr(settings, "BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD", None)
    months = platform_value if platform_value is not None else bulkmail_settings.LAST_LOGIN_ELIGIBILITY_MONTHS
    return months or None


def from_address():
    """The sender address course mail goes out from."""
    return (
        bulkmail_settings.FROM_EMAIL
        or getattr(settings, "BULK_EMAIL_DEFAULT_FROM_EMAIL", None)
        or settings.DEFAULT_FROM_EMAIL
    )
