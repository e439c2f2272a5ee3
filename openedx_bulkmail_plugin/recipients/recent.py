"""
The once-a-week guard: how many emails of this course the learners of a selection already
have around the time of a new one.

The Open edX guide advises sending course participants at most one email a week unless
there is good reason. Before a send, the Email page asks :func:`recent_emails`, which
answers with one counting query:

    count = the most emails of this course that any one learner of the selection was sent,
            or is being sent, within WINDOW days before or after the moment (the ledger)
          + the emails of this course scheduled, or queued and not started yet, in that window

Why the most per learner: it is what an instructor can act on ("some learners already
got 2 this week: wait, or narrow the selection"), and it is exact for what was sent,
where "emails that reached at least one of them" would count a note to one named learner
against the whole class.

Why a scheduled email counts whole: it has no ledger yet, and who it will reach is a
query of its own (its groups, names and filters, each resolved against the course), one
more query per scheduled email. So every one due in the window is counted as reaching
the selection. The answer is then an upper bound, never below the truth, which is the
right side to err on for a warning that never blocks a send.

A course above BULKMAIL_EXACT_COUNT_ENROLLMENTS is not counted per learner: with a
million learners, two recent sends made that query read 1.7 million ledger rows (20 s,
30 s with filters, in the web process). There the count is the emails of the course sent,
being sent or scheduled in the window that could reach its learners, every one counted as
reaching the whole selection: an upper bound from the sends alone (``exact`` is False),
and the page words it as one ("up to").

Myself and Staff and Administrators are left out: the course team gets a copy of what it
sends, and the guide's advice is about learners. Drafts never count (no ledger, and they
are neither scheduled nor queued), nor do sends revoked before they started, nor the
rows of a stopped or failed send that were never sent.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from ..conf import bulkmail_settings
from ..models import Delivery, SendTask
from . import counting
from .groups import MYSELF, STAFF
from .individuals import clean_entries, resolve
from .selection import recipients_queryset

# Scheduled, or queued and not started: no ledger yet.
WAITING_STATES = (SendTask.SCHEDULED, SendTask.QUEUING, SendTask.PENDING)


@dataclass(frozen=True)
class RecentEmails:
    """
    The guard's answer: ``count`` (None when the guard is off), the window in days either
    side, the threshold, and whether to warn.
    """

    count: int | None
    window_days: int
    warn_at: int | None
    exact: bool = True

    @property
    def warn(self):
        return bool(self.warn_at) and self.count is not None and self.count >= self.warn_at


def recent_emails(course_key, requester, targets=None, individuals=None, filters=None, around=None, excluding=None):
    """
    How many emails of the course the learners of this selection get within the window around ``around``.

    Args:
        targets, individuals, filters: the selection, as the instructor gave it (named
            learners as typed; entries that match nobody simply count for nobody).
        around: the moment of the new send (an aware datetime); now when None.
        excluding: the id of an email not to count (the scheduled email being edited).
    Returns:
        RecentEmails: see the module's docstring for what ``count`` counts.
    Raises:
        UnknownGroup, InvalidFilter, InvalidIndividuals: as :func:`.recipients_queryset` does.
    """
    window_days = bulkmail_settings.RECENT_EMAILS_WINDOW_DAYS
    warn_at = bulkmail_settings.RECENT_EMAILS_WARN_AT or None
    if warn_at is None:
        return RecentEmails(None, window_days, None)
    learners = _learners(course_key, requester, targets, individuals, filters)
    if learners is None:
        return RecentEmails(0, window_days, warn_at)
    around = around or timezone.now()
    window = (around - timedelta(days=window_days), around + timedelta(days=window_days))
    if counting.counted_in_background(course_key):
        return RecentEmails(_sends_in_window(course_key, window, excluding), window_days, warn_at, exact=False)
    return RecentEmails(_count(course_key, learners, window, excluding), window_days, warn_at)


def _learners(course_key, requester, targets, individuals, filters):
    """The selection without the course team's own groups, as a User queryset; None if nothing is left."""
    usernames = resolve(course_key, clean_entries(individuals)).usernames
    keys = [key for key in targets or () if key not in (MYSELF, STAFF)]
    if not keys and not usernames:
        return None
    return recipients_queryset(course_key, keys, requester, usernames, filters)


def _course_sends(course_key, excluding):
    """The course's sends, but the email being edited (``excluding``), which must not count against itself."""
    sends = SendTask.objects.filter(email__course_id=course_key)
    return sends if excluding is None else sends.exclude(email_id=excluding)


def _waiting_in(window):
    """Sends not started yet and due in the window; one sent "now" but still queued is due when it was created."""
    return Q(state__in=WAITING_STATES) & (Q(due__range=window) | Q(due__isnull=True, created__range=window))


def _sends_in_window(course_key, window, excluding):
    """
    The course's emails to learners started (and not stopped unsent) or due in the window: one query.

    An email to Myself or the course team only (a test before the real send) reaches no
    learner: the few sends of a window are looked at here, not in SQL, where a JSON list
    of group keys compares differently on each database.
    """
    started = Q(started_at__range=window) & (Q(state__in=SendTask.RUNNING_STATES) | Q(sent__gt=0))
    selections = _course_sends(course_key, excluding).filter(started | _waiting_in(window)).values_list(
        "email__targets", "email__individuals")
    return sum(1 for targets, individuals in selections
               if individuals or any(key not in (MYSELF, STAFF) for key in targets or ()))


def _count(course_key, learners, window, excluding):
    """The count of the module's docstring, in one statement: two scalar subqueries side by side."""
    sends = _course_sends(course_key, excluding)
    reached = Delivery.objects.filter(
        Q(status__in=Delivery.ACCEPTED_STATUSES) | Q(status=Delivery.QUEUED, task__state__in=SendTask.RUNNING_STATES),
        task__in=sends.filter(started_at__range=window).values("pk"),
        user__in=learners.values("pk"),
    )
    per_learner = reached.order_by().values("user_id").annotate(emails=Count("task_id"))
    waiting = sends.filter(_waiting_in(window)).values("pk")
    most_sql, most_params = per_learner.query.sql_with_params()
    waiting_sql, waiting_params = waiting.query.sql_with_params()
    sql = (f"SELECT (SELECT COALESCE(MAX(per_learner.emails), 0) FROM ({most_sql}) per_learner), "
           f"(SELECT COUNT(*) FROM ({waiting_sql}) waiting)")
    with connection.cursor() as cursor:
        cursor.execute(sql, (*most_params, *waiting_params))
        most, scheduled = cursor.fetchone()
    return int(most) + int(scheduled)
