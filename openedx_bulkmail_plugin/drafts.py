"""
Drafts: an email a course team writes over days, kept without being sent or scheduled.

A draft is a :class:`.models.CourseEmail` whose send is in state DRAFT. The sending
engine, the sweep and the scheduler each act only on the states they name, none of which
is DRAFT, so a draft goes nowhere until :func:`send_draft` moves it, once, out of DRAFT.

    save_draft(course, author, ...)           write a new draft; only sizes are checked
    edit_draft(email, editor, version, ...)   change it, refused if someone saved it since
    delete_draft(email)                       forget it: a draft is not part of the history
    send_draft(email, sender, ...)            check it as a new email, then send or schedule it, once

Every edit names the version it was made from, and a save from an older version is
refused with :class:`.errors.DraftConflict` rather than overwrite a colleague's work. A
draft keeps its selection as written (named learners as typed), so an unfinished or wrong
selection can be saved; it is validated, and the names resolved, only when it is sent.
"""
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scheduling, validation
from .errors import DraftConflict, EmailInvalid, WrongState
from .models import CourseEmail, SendTask
from .recipients import InvalidIndividuals
from .recipients.individuals import clean_entries
from .sending import progress

CONTENT_FIELDS = ("subject", "body", "targets", "individuals", "filters")


def save_draft(course_key, author, subject="", body="", targets=None, individuals=None, filters=None):
    """
    Write a new draft of ``course_key`` by ``author``.

    Returns:
        CourseEmail: the draft, at version 1, its send in state DRAFT.
    Raises:
        EmailInvalid: only for what cannot be kept at all (see :func:`storable_fields`).
    """
    fields = storable_fields(subject=subject, body=body, targets=targets, individuals=individuals, filters=filters)
    with transaction.atomic():
        email = CourseEmail.objects.create(course_id=course_key, sender=author, modified_by=author, **fields)
        SendTask.objects.create(email=email, state=SendTask.DRAFT)
    return email


def edit_draft(email, editor, version, **changes):
    """
    Change a draft's subject, body and/or selection; a value of None leaves that part as it is.

    Args:
        email: the draft.
        editor: who saves it (a User); the draft then shows them as its last editor.
        version: the version the editor's copy was made from.
        changes: any of ``subject``, ``body``, ``targets``, ``individuals``, ``filters``.
    Returns:
        CourseEmail: the draft as saved, one version later.
    Raises:
        EmailInvalid: a part that cannot be kept (see :func:`storable_fields`).
        DraftConflict: someone saved the draft since ``version``; nothing is changed.
        WrongState: it is no longer a draft (it was sent or scheduled meanwhile).
    """
    fields = storable_fields(**{name: value for name, value in changes.items() if value is not None})
    with transaction.atomic():
        _hold_draft(email.pk)
        saved = CourseEmail.objects.filter(pk=email.pk, version=version).update(
            version=F("version") + 1, modified_by=editor, modified=timezone.now(), **fields)
        if not saved:
            raise _conflict(email.pk)
    email.refresh_from_db()
    return email


def delete_draft(email):
    """
    Delete a draft for good: unlike a revoked send, a draft leaves nothing in the history.

    Raises:
        WrongState: it is no longer a draft; nothing is deleted.
    """
    with transaction.atomic():
        _hold_draft(email.pk)
        CourseEmail.objects.filter(pk=email.pk).delete()


def send_draft(email, sender, version=None, schedule=None):
    """
    Send a draft now, or schedule it, after checking it exactly as a new email is checked.

    The move out of DRAFT is one conditional UPDATE, so a double click, or two colleagues
    pressing Send together, sends it once: the second call raises WrongState. The content
    checked is the content sent: if someone saves the draft between the check and the
    move, nothing is sent and DraftConflict is raised.

    Args:
        sender: who sends it; the email's author from now on, and who ``myself`` means.
        version: the version the sender saw; None to send the draft as it is now.
        schedule: the due time (see :func:`.scheduling.validate_due`); None sends now.
    Returns:
        SendTask: SCHEDULED, or queued to start once the transaction commits.
    Raises:
        EmailInvalid, DraftConflict, WrongState.
    """
    if email.send_task.state != SendTask.DRAFT:
        raise WrongState(email.send_task.state)
    if version is not None and version != email.version:
        raise _conflict(email.pk)
    selection, due = scheduling.validate_email_and_schedule(
        email.course_id, sender, email.subject, email.html_message, email.targets, schedule,
        individuals=email.individuals, filters=email.filters)
    validation.check_reaches_someone(email.course_id, selection, sender)
    now = timezone.now()
    state = SendTask.SCHEDULED if due is not None else SendTask.QUEUING
    with transaction.atomic():
        if not progress.move(email.send_task.pk, (SendTask.DRAFT,), state, due=due, created=now):
            raise _wrong_state(email.pk)
        claimed = CourseEmail.objects.filter(pk=email.pk, version=email.version).update(
            sender=sender, modified_by=sender, created=now, modified=now, version=F("version") + 1,
            targets=selection.targets, individuals=selection.individuals, filters=selection.filters)
        if not claimed:
            raise _conflict(email.pk)
        task = SendTask.objects.get(pk=email.send_task.pk)
        scheduling.launch(task)
    return task


def storable_fields(**content):
    """
    The model fields for the parts of a draft given, or EmailInvalid naming each part that cannot be kept.

    Blank and half-made parts are fine; refused are a subject or body beyond the size
    limits, named learners that are not a list of at most 10,000 texts, and filters that
    are not an object. Named learners are kept as typed, trimmed, each once.
    """
    errors = validation.storable_problems(content.get("subject"), content.get("body"))
    fields = {}
    for name, value in content.items():
        if name == "individuals":
            try:
                value = clean_entries(value)
            except InvalidIndividuals as invalid:
                errors["individuals"] = str(invalid)
        elif name == "filters" and value is not None and not isinstance(value, dict):
            errors["filters"] = _("Give the filters as an object, for example {\"passed\": false}.")
        elif name == "targets" and not _texts(value):
            errors["targets"] = _("Give the recipient groups as a list of group keys.")
        fields["html_message" if name == "body" else name] = value if value is not None else _empty(name)
    if errors:
        raise EmailInvalid(errors)
    return fields


def _texts(value):
    return value is None or (isinstance(value, list | tuple) and all(isinstance(item, str) for item in value))


def _empty(name):
    return {"filters": {}, "targets": [], "individuals": []}.get(name, "")


def _hold_draft(email_id):
    """
    Lock the draft's send row for this transaction, or raise WrongState if it is no longer a draft.

    A send of the draft moves the same row first, so an edit or a delete and a send
    wait for each other instead of crossing.
    """
    if not SendTask.objects.filter(email_id=email_id, state=SendTask.DRAFT).update(state=SendTask.DRAFT):
        raise _wrong_state(email_id)


def _wrong_state(email_id):
    return WrongState(SendTask.objects.filter(email_id=email_id).values_list("state", flat=True).first())


def _conflict(email_id):
    """DraftConflict describing the draft as saved now; WrongState(None) if it was deleted meanwhile."""
    current = CourseEmail.objects.select_related("modified_by").filter(pk=email_id).first()
    if current is None:
        return WrongState(None)
    return DraftConflict(current.version, current.modified_by, current.modified)
