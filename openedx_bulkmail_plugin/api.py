"""
The public Python API of course bulk email: what the REST views, the scheduler and the
management commands call. No view or task holds business rules of its own.

    validate_content(...)   check what an instructor wrote, naming each bad field
    create_email(...)       write it down and send it now, or schedule it
    start_scheduled(id)     start a scheduled send, once, however many dispatchers try
    cancel_send(task)       stop a running send; what was sent stays sent
    counts(task)            total, sent, failed, skipped: live while it runs
"""
import logging

from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from . import recipients
from .conf import bulkmail_settings
from .models import CourseEmail, Delivery, SendTask
from .sending import leases, ledger, progress, tasks

log = logging.getLogger(__name__)

MAX_SUBJECT_LENGTH = 255


class EmailInvalid(ValueError):
    """
    What an instructor wrote cannot be sent; ``errors`` maps each bad field to its message.

    Fields: ``subject``, ``body``, ``targets``, ``individuals``, ``filters`` (``{key: message}``),
    ``schedule``; ``not_found`` lists the named entries that match nobody in the course.
    """

    def __init__(self, errors):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class WrongState(Exception):
    """The send is not in a state that allows this action; ``state`` is the state it is in."""

    def __init__(self, state):
        super().__init__(_("Not possible while the email is in state {state}.").format(state=state))
        self.state = state


def validate_content(course_key, subject, body, targets, requester, individuals=None, filters=None):
    """
    Check an email before it is created or edited.

    Args:
        course_key: the course the email belongs to.
        subject: the subject line; one line, at most 255 characters.
        body: the HTML body; at most BULKMAIL_MAX_BODY_BYTES bytes in UTF-8.
        targets: recipient group keys (see :mod:`.recipients`).
        requester: the author (who ``myself`` means).
        individuals: usernames or email addresses of people in the course, added to the groups.
        filters: conditions every learner selected must meet (see :mod:`.recipients.filters`).
    Returns:
        recipients.Selection: the selection, normalised (canonical keys, usernames, filters).
    Raises:
        EmailInvalid: naming every field that is wrong (``targets``, ``individuals`` with
        ``not_found`` listing the entries that match nobody, ``filters`` by key).
    """
    errors = {}
    subject_problem = _subject_problem(subject)
    if subject_problem:
        errors["subject"] = subject_problem
    body_problem = _body_problem(body)
    if body_problem:
        errors["body"] = body_problem
    selection = None
    try:
        selection = recipients.validate_selection(course_key, targets, individuals, filters)
    except recipients.SelectionInvalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise EmailInvalid(errors)
    return selection


def _subject_problem(subject):
    if not isinstance(subject, str) or not subject.strip():
        return _("Enter a subject.")
    if len(subject) > MAX_SUBJECT_LENGTH:
        return _("The subject can have at most {limit} characters.").format(limit=MAX_SUBJECT_LENGTH)
    if "\r" in subject or "\n" in subject:
        return _("The subject must be one line.")
    return None


def _body_problem(body):
    if not isinstance(body, str) or not body.strip():
        return _("Enter a message.")
    limit = bulkmail_settings.MAX_BODY_BYTES
    if len(body.encode("utf-8")) > limit:
        return _("The message is too long: at most {limit} bytes.").format(limit=limit)
    return None


def create_email(course_key, sender, subject, body, targets, due=None, individuals=None, filters=None):
    """
    Write an email down and send it now, or at ``due``.

    Args:
        course_key: the course.
        sender: the author (a User).
        subject, body, targets, individuals, filters: as :func:`validate_content` checks them.
        due: an aware datetime, already validated by :mod:`.scheduling`; None sends now.
    Returns:
        SendTask: SCHEDULED with ``due``, else queued for sending once the transaction commits.
    Raises:
        EmailInvalid: a bad field, or a selection that reaches nobody right now.
    """
    selection = validate_content(course_key, subject, body, targets, sender, individuals, filters)
    check_reaches_someone(course_key, selection, sender)
    with transaction.atomic():
        email = CourseEmail.objects.create(
            course_id=course_key, sender=sender, subject=subject, html_message=body,
            targets=selection.targets, individuals=selection.individuals, filters=selection.filters)
        state = SendTask.SCHEDULED if due is not None else SendTask.QUEUING
        task = SendTask.objects.create(email=email, state=state, due=due)
        if due is not None:
            _watch_schedule(task)
        else:
            transaction.on_commit(lambda: _queue_start(task.id, from_state=SendTask.QUEUING))
    return task


def check_reaches_someone(course_key, selection, sender):
    """
    Refuse a selection that reaches nobody right now, rather than queue a send of nothing.

    Raises:
        EmailInvalid: under ``targets``.
    """
    reached = recipients.recipients_queryset(
        course_key, selection.targets, sender, selection.individuals, selection.filters)
    if not reached.exists():
        message = _("Nobody would receive this email: the selected groups are empty.")
        if selection.filters:
            message = _("Nobody would receive this email: no one selected meets the filters.")
        raise EmailInvalid({"targets": message})


def _watch_schedule(task):
    from . import scheduling  # pylint: disable=import-outside-toplevel  (scheduling imports this module)

    watch = getattr(scheduling, "watch", None)
    if watch is not None:
        watch(task)


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
        transaction.on_commit(lambda: _queue_start(task_id))
    return won


def _queue_start(task_id, from_state=None):
    """
    Put the start message in the broker, then say PENDING.

    A broker that cannot take it now leaves the send waiting (QUEUING or PENDING); the
    workers' sweep queues it again, so the request that created it still succeeds.
    """
    try:
        tasks.enqueue_start(task_id)
    except BrokerError:
        log.exception("Could not queue bulk email send %s; the worker sweep will queue it again.", task_id)
        return
    if from_state is not None:
        progress.move(task_id, (from_state,), SendTask.PENDING)


def cancel_send(task):
    """
    Stop a running send.

    It becomes REVOKED; every row still owed a message is marked skipped; what was sent
    stays sent. A batch in flight notices at its next message, stops and marks itself done.
    The whole change commits at once, so nobody reads REVOKED without its counts.

    Returns:
        SendTask: the task, refreshed.
    Raises:
        WrongState: the send is not running (scheduled, finished or already cancelled).
    """
    with transaction.atomic():
        if not progress.revoke(task.id):
            task.refresh_from_db()
            raise WrongState(task.state)
        ledger.settle_unsent(ledger.unsent(task), Delivery.SKIPPED, _("The send was cancelled."))
        leases.close_pending(task.id)
        progress.freeze_counts(task.id)
    task.refresh_from_db()
    return task


def counts(task):
    """
    ``{"total", "sent", "failed", "skipped"}`` of a send.

    Live from the ledger while it runs (they move with every message), the frozen
    figures once it is finished.
    """
    return progress.counts(task)
