"""
Checking what an instructor wrote before anything is written down or scheduled.

The views, the preview, the scheduler's edits and :func:`.api.create_email` all call these
checks, so one rule has one wording wherever it is broken.
"""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import recipients
from .conf import bulkmail_settings
from .errors import EmailInvalid

MAX_SUBJECT_LENGTH = 255

# Said by the Email page before it asks the server, and by the server: one wording per rule.
SUBJECT_MISSING = gettext_lazy("Enter a subject.")
BODY_MISSING = gettext_lazy("Enter a message.")


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
        return str(SUBJECT_MISSING)
    return _subject_size_problem(subject)


def _subject_size_problem(subject):
    if len(subject) > MAX_SUBJECT_LENGTH:
        return _("The subject can have at most {limit} characters.").format(limit=MAX_SUBJECT_LENGTH)
    if "\r" in subject or "\n" in subject:
        return _("The subject must be one line.")
    return None


def _body_problem(body):
    if not isinstance(body, str) or not body.strip():
        return str(BODY_MISSING)
    return _body_size_problem(body)


def _body_size_problem(body):
    limit = bulkmail_settings.MAX_BODY_BYTES
    size = len(body.encode("utf-8"))
    if size > limit:
        return _("The message is too long: {size}; the limit is {limit}.").format(
            size=size_in_words(size), limit=size_in_words(limit))
    return None


def size_in_words(size):
    """
    A size as an instructor reads it: "1.3 MB", "250 kB", "900 bytes" (decimal units, as mail limits are).

    Rounded down, so a message just over the limit never reads as the limit itself.
    """
    for unit, name in ((1_000_000, _("MB")), (1_000, _("kB"))):
        if size >= unit:
            tenths = size * 10 // unit
            number = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
            return f"{number} {name}"
    return _("{size} bytes").format(size=size)


def storable_problems(subject, body):
    """
    ``{field: message}`` for a subject or body that cannot even be kept unfinished.

    Drafts and templates may be blank or half written: only what the database or the
    size limit cannot hold (a subject over 255 characters or of several lines, a body
    over BULKMAIL_MAX_BODY_BYTES) is refused, in the same words as when sending.
    """
    problems = {}
    if subject:
        problems["subject"] = _subject_size_problem(subject)
    if body:
        problems["body"] = _body_size_problem(body)
    return {field: problem for field, problem in problems.items() if problem}


def check_reaches_someone(course_key, selection, sender, count=False):
    """
    Refuse a selection that reaches nobody right now, rather than queue a send of nothing.

    Returns:
        int or None: how many people it reaches when ``count`` is asked (a full count
        costs more than finding one person, so only the confirmation asks for it).
    Raises:
        EmailInvalid: under ``targets``.
    """
    reached = recipients.recipients_queryset(
        course_key, selection.targets, sender, selection.individuals, selection.filters)
    number = reached.count() if count else int(reached.exists())
    if not number:
        message = _("Nobody would receive this email: the selected groups are empty.")
        if selection.filters:
            message = _("Nobody would receive this email: no one selected meets the filters.")
        raise EmailInvalid({"targets": message})
    return number if count else None
