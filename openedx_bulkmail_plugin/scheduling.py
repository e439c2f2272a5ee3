"""
Send later: a scheduled email starts on time with no cron, no celery beat and no long ETA.

The schedule lives in the database (``SendTask.due`` in state SCHEDULED). Three
dispatchers may start it, and any of them is enough:

- ``watch_schedule``: a short check task per scheduled email that re-enqueues itself with a
  countdown of at most ``SCHEDULE_CHECK_SECONDS``, so no message waits in the broker
  longer than its visibility timeout (past it, Redis would deliver it again);
- ``dispatch_due``: the sweep every Celery worker runs every few seconds;
- the ``bulkmail_dispatch_due`` management command, for operators who prefer cron.

Each one starts an email only through ``start_scheduled``, one conditional UPDATE from
SCHEDULED, so however many of them fire together, a send starts once.
"""
import logging
from datetime import UTC, datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from . import validation
from .conf import bulkmail_settings
from .errors import EmailInvalid, WrongState
from .models import CourseEmail, SendTask
from .sending import progress
from .sending.tasks import queue_start

log = logging.getLogger(__name__)

WATCH_TASK_NAME = "openedx_bulkmail_plugin.scheduling.watch_schedule"
DISPATCH_TASK_NAME = "openedx_bulkmail_plugin.scheduling.dispatch_due_emails"


def start_scheduled(task_id):
    """
    Start a scheduled send whose time has come.

    One conditional UPDATE from SCHEDULED decides which caller starts it, so two
    dispatchers (a worker's sweep, a check task, cron) never start one email twice.

    Returns:
        bool: whether this call started it.
    """
    won = progress.move(task_id, (SendTask.SCHEDULED,), SendTask.PENDING)
    if won:
        transaction.on_commit(lambda: queue_start(task_id))
    return won


def validate_due(value, now=None):
    """
    The requested send time as an aware UTC datetime, or the reason it is refused.

    ``value`` is an ISO-8601 string with a UTC offset (``Z`` or ``+01:00``) or an aware
    datetime. A time without an offset is refused rather than guessed: the browser, the
    server and the instructor may each be in a different zone.

    Raises:
        EmailInvalid: with a message under ``schedule``.
    """
    now = now or timezone.now()
    due = _parse_time(value)
    if timezone.is_naive(due):
        raise _schedule_error(_("Give the time with its UTC offset, for example 2026-12-01T09:00:00+01:00."))
    try:
        due = due.astimezone(UTC)
    except OverflowError:
        raise _schedule_error(_("This time is out of range.")) from None
    if due < now - timedelta(seconds=bulkmail_settings.SCHEDULE_CLOCK_SKEW_SECONDS):
        raise _schedule_error(_("This time is in the past."))
    max_days = bulkmail_settings.SCHEDULE_MAX_DAYS
    if due > now + timedelta(days=max_days):
        raise _schedule_error(
            _("An email can be scheduled at most {days} days ahead.").format(days=max_days))
    return due


def _parse_time(value):
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise _schedule_error(_("Give the time as an ISO-8601 text, for example 2026-12-01T09:00:00Z."))
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise _schedule_error(
            _("'{value}' is not an ISO-8601 date and time, for example 2026-12-01T09:00:00Z.").format(value=value))
    return parsed


def _schedule_error(message):
    return EmailInvalid({"schedule": message})


def launch(task):
    """
    Set a new send going: watch it if it is SCHEDULED, else queue its start once the transaction commits.

    Called inside the transaction that wrote the send (a new email, or a draft sent), so
    no worker can look for a row that is not committed yet.
    """
    if task.state == SendTask.SCHEDULED:
        watch(task)
    else:
        task_id = task.pk
        transaction.on_commit(lambda: queue_start(task_id, from_state=SendTask.QUEUING))


def watch(task):
    """
    Start watching a newly scheduled send, once the transaction that scheduled it commits.

    Called by ``api.create_email`` and after an edit of the due time. The check task needs
    the committed row; enqueued earlier, it could find nothing and stop.
    """
    task_id, due = task.pk, task.due
    transaction.on_commit(lambda: _start_watching(task_id, due))


def _start_watching(task_id, due):
    """
    Enqueue the first check; a broker that cannot take it now is no reason to fail the request.

    The schedule is already committed, and the workers' sweep starts the send when due.
    """
    try:
        _enqueue_check(task_id, due)
    except BrokerError:
        log.exception("Could not queue the check of scheduled bulk email send %s; the sweep will start it.", task_id)


def _enqueue_check(task_id, due, now=None):
    countdown = seconds_until_next_check(due, now)
    if countdown > 0 and watch_schedule.app.conf.task_always_eager:
        # An eager task cannot wait: checking again at once would recurse until the due
        # time. The workers' sweep and the management command dispatch it instead.
        return
    watch_schedule.apply_async(
        args=(task_id, due.isoformat()), queue=bulkmail_settings.CELERY_QUEUE, countdown=countdown)


def seconds_until_next_check(due, now=None):
    """How long the check task sleeps: until the due time, but never longer than the check period."""
    remaining = (due - (now or timezone.now())).total_seconds()
    return max(0.0, min(remaining, float(bulkmail_settings.SCHEDULE_CHECK_SECONDS)))


@shared_task(name=WATCH_TASK_NAME, ignore_result=True)
def watch_schedule(task_id, watched_due=None):
    """
    Start the send if it is due, else check again later; stop once it is no longer scheduled.

    ``watched_due`` is the due time this chain of checks was started for. An edit of the
    due time starts a new chain, and the old one stops here, so each scheduled send has
    one chain of checks however often it is edited.
    """
    task = SendTask.objects.filter(pk=task_id, state=SendTask.SCHEDULED).only("pk", "due").first()
    if task is None or task.due is None:
        return "stopped"
    if watched_due is not None and task.due != parse_datetime(watched_due):
        return "superseded"
    now = timezone.now()
    if task.due > now:
        _enqueue_check(task.pk, task.due, now)
        return "waiting"
    return "started" if start_scheduled(task.pk) else "already started"


def dispatch_due(now=None):
    """
    Start every scheduled send whose time has come; return how many this call started.

    Safe to run anywhere and any number of times at once: a send another dispatcher
    started first is not counted and not started again. One send that cannot be started
    (its broker message failed) does not hold back the others.
    """
    now = now or timezone.now()
    due_ids = list(
        SendTask.objects.filter(state=SendTask.SCHEDULED, due__lte=now).order_by("due").values_list("pk", flat=True))
    started = 0
    for task_id in due_ids:
        try:
            started += bool(start_scheduled(task_id))
        except Exception:  # pylint: disable=broad-except
            log.exception("Could not start scheduled bulk email send %s; the next sweep tries again.", task_id)
    if started:
        log.info("Started %d scheduled bulk email send(s).", started)
    return started


@shared_task(name=DISPATCH_TASK_NAME, ignore_result=True)
def dispatch_due_emails():
    """``dispatch_due`` as a Celery task, for sites that prefer a celery beat entry."""
    return dispatch_due()


def edit_scheduled(task, editor, subject=None, body=None, targets=None, due=None, individuals=None, filters=None):
    """
    Change a scheduled email's content, selection and/or due time, all of it or none of it.

    The edit is written only while the send is still SCHEDULED, checked by the first write
    of the transaction: a conditional UPDATE of the send's row. That row lock (or SQLite's
    write lock) is what ``start_scheduled`` needs too, so a dispatcher either starts
    the send before the edit (the edit then changes nothing and raises) or after it (and
    sends the edited email). No dispatcher can see half an edit.

    Raises:
        EmailInvalid: naming every invalid field; nothing is changed.
        WrongState: the send is no longer SCHEDULED; nothing is changed.
    """
    email, watched_due = task.email, task.due
    edit = {"subject": subject, "body": body, "targets": targets, "individuals": individuals, "filters": filters}
    changes = _validated_changes(task, editor, edit, due)
    with transaction.atomic():
        claimed = SendTask.objects.filter(pk=task.pk, state=SendTask.SCHEDULED).update(
            due=changes.pop("due", F("due")))
        if not claimed:
            raise _wrong_state(task)
        if changes:
            CourseEmail.objects.filter(pk=email.pk).update(modified=timezone.now(), **changes)
    task.refresh_from_db()
    task.email.refresh_from_db()
    if task.due != watched_due:
        watch(task)
    return task


SELECTION_FIELDS = ("targets", "individuals", "filters")


def _validated_changes(task, editor, edit, due):
    """The model fields to write, after validating the email as it will be once edited."""
    email = task.email
    current = {"subject": email.subject, "body": email.html_message, "targets": email.targets,
               "individuals": email.individuals, "filters": email.filters}
    merged = {name: current[name] if value is None else value for name, value in edit.items()}
    selection, valid_due = validate_email_and_schedule(
        email.course_id, editor, merged["subject"], merged["body"], merged["targets"], due,
        individuals=merged["individuals"], filters=merged["filters"])
    changes = {}
    if valid_due is not None:
        changes["due"] = valid_due
    if edit["subject"] is not None:
        changes["subject"] = edit["subject"]
    if edit["body"] is not None:
        changes["html_message"] = edit["body"]
    if any(edit[name] is not None for name in SELECTION_FIELDS):
        validation.check_reaches_someone(email.course_id, selection, email.sender)
        changes.update(targets=selection.targets, individuals=selection.individuals, filters=selection.filters)
    return changes


def validate_email_and_schedule(course_key, requester, subject, body, targets, schedule=None, now=None,
                                individuals=None, filters=None):
    """
    Check an email, its selection and its optional due time together, so one answer names every problem.

    Returns:
        (selection, due): the validated ``recipients.Selection``, and the due time in UTC or None.
    Raises:
        EmailInvalid: naming every invalid field (``schedule`` for the due time).
    """
    errors = {}
    selection = valid_due = None
    try:
        selection = validation.validate_content(course_key, subject, body, targets, requester, individuals, filters)
    except EmailInvalid as invalid:
        errors.update(invalid.errors)
    if schedule is not None:
        try:
            valid_due = validate_due(schedule, now)
        except EmailInvalid as invalid:
            errors.update(invalid.errors)
    if errors:
        raise EmailInvalid(errors)
    return selection, valid_due


def revoke_scheduled(task):
    """
    Revoke a scheduled send: it stays in the history as REVOKED and is never sent.

    Raises:
        WrongState: the send has already started (or was revoked); nothing is changed.
    """
    revoked = SendTask.objects.filter(pk=task.pk, state=SendTask.SCHEDULED).update(
        state=SendTask.REVOKED, finished_at=timezone.now())
    if not revoked:
        raise _wrong_state(task)
    task.refresh_from_db()
    return task


def _wrong_state(task):
    state = SendTask.objects.filter(pk=task.pk).values_list("state", flat=True).first()
    return WrongState(state)
