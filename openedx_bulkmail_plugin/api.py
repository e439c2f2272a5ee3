"""
The public Python API of course bulk email: what the REST views, the scheduler and the
management commands call. No view or task holds business rules of its own.

    validate_content(...)   check what an instructor wrote, naming each bad field
    check_email(...)        every check create_email makes, and the count, writing nothing
    create_email(...)       write it down and send it now, or schedule it
    start_scheduled(id)     start a scheduled send, once, however many dispatchers try
    cancel_send(task)       stop a running send; what was sent stays sent
    counts(task)            total, sent, failed, skipped...: live while it runs
    counts_are_final(task)  whether those counts will not move again
    final_counts(tasks)     the same for a page of sends, in one query

Drafts (:mod:`.drafts`), course templates (:mod:`.course_templates`) and the once-a-week
guard (:mod:`.recipients.recent`) have modules of their own; their public functions are
re-exported here, so callers still need only this module.
"""
from django.db import transaction
from django.utils.translation import gettext as _

from . import scheduling
from .course_templates import (  # noqa: F401  (part of this API)
    create_template,
    delete_template,
    edit_template,
    export_templates,
    import_templates,
)
from .drafts import delete_draft, edit_draft, save_draft, send_draft  # noqa: F401  (part of this API)
from .errors import DraftConflict, EmailInvalid, TemplateInvalid, WrongState  # noqa: F401  (part of this API)
from .models import CourseEmail, Delivery, SendTask
from .recipients.recent import recent_emails  # noqa: F401  (part of this API)
from .scheduling import start_scheduled  # noqa: F401  (part of this API)
from .sending import leases, ledger, progress
from .sending.progress import counts_are_final, final_counts  # noqa: F401  (part of this API)
from .validation import MAX_SUBJECT_LENGTH, check_reaches_someone, validate_content  # noqa: F401  (part of this API)


def check_email(course_key, sender, subject, body, targets, schedule=None, individuals=None, filters=None):
    """
    Run every check :func:`create_email` would, and count who it would reach, writing nothing.

    The Email page asks this before its confirmation, so an instructor confirms only a
    message that can be sent (not one scheduled in the past, or too long), and confirms
    the count the server will start from.

    Returns:
        (count, due): how many people the selection reaches now, and the due time in UTC or None.
    Raises:
        EmailInvalid: as :func:`create_email` and :func:`.scheduling.validate_email_and_schedule`.
    """
    selection, due = scheduling.validate_email_and_schedule(
        course_key, sender, subject, body, targets, schedule, individuals=individuals, filters=filters)
    return check_reaches_someone(course_key, selection, sender, count=True), due


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
        scheduling.launch(task)
    return task


def cancel_send(task):
    """
    Stop a running send.

    It becomes REVOKED; every row still owed a message is marked cancelled (not the
    opt-outs' "skipped": the learner did nothing); what was sent stays sent. A batch in
    flight notices at its next message, stops and marks itself done. The whole change
    commits at once, so nobody reads REVOKED without its counts.

    Returns:
        SendTask: the task, refreshed.
    Raises:
        WrongState: the send is not running (scheduled, finished or already cancelled).
    """
    with transaction.atomic():
        if not progress.revoke(task.id):
            task.refresh_from_db()
            raise WrongState(task.state)
        ledger.settle_unsent(ledger.unsent(task), Delivery.CANCELLED, _("Not sent: the send was stopped."))
        leases.close_pending(task.id)
        progress.freeze_counts(task.id)
    task.refresh_from_db()
    return task


def counts(task):
    """
    ``{"total", "sent", "failed", "skipped", "suppressed", "cancelled"}`` of a send.

    Live from the ledger while it runs (they move with every message), the frozen
    figures once it is finished.
    """
    return progress.counts(task)
