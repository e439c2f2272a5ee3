"""
Seeing who a selection reaches before sending: the count, the first names, and who was left out.
"""
from django.utils import timezone

from . import counting
from .filters import validate_filters
from .individuals import clean_entries, excluded, resolve
from .selection import recipients_queryset

SHOWN_RECIPIENTS = 100


def preview(course_key, requester, targets=None, individuals=None, filters=None):
    """
    What a send to this selection would do right now.

    Entries that match nobody in the course are listed under ``not_found`` rather than
    refused, so the instructor can see them next to the count; creating an email with
    them is refused.

    Returns:
        dict: ``count``, with ``counted_at`` and ``count_status`` (see :mod:`.counting`: a
        large course's count may be a recent or an estimated one); ``recipients``,
        SHOWN_RECIPIENTS of them (the oldest accounts; everyone if fewer) in username order,
        as ``{"username", "name", "email"}``; ``not_found``, the entries that match nobody;
        ``excluded``, the named people found who would not receive it, as
        ``{"username", "reason"}``.
    Raises:
        UnknownGroup, EmptySelection, InvalidFilter, InvalidIndividuals: as
        :func:`.recipients_queryset` and :func:`.individuals.clean_entries` do.
    """
    entries = clean_entries(individuals)
    resolution = resolve(course_key, entries)
    if entries and not targets and not resolution.usernames:
        validate_filters(filters)
        return {"count": 0, "recipients": [], "not_found": resolution.not_found, "excluded": [],
                "counted_at": timezone.now().isoformat(), "count_status": counting.EXACT}
    recipients = recipients_queryset(course_key, targets, requester, resolution.usernames, filters)
    # The oldest accounts: the database stops after a hundred, where "the first hundred
    # usernames" of a million learners made it sort them all (6 s at 1M enrollments).
    first = sorted(recipients.order_by("id").values_list("username", "profile__name", "email")[:SHOWN_RECIPIENTS])
    counted = counting.selection(course_key, requester, targets, resolution.usernames, filters)
    return {
        "count": counted.value,
        "counted_at": counted.counted_at.isoformat(),
        "count_status": counted.status,
        "recipients": [{"username": username, "name": name or "", "email": email} for username, name, email in first],
        "not_found": resolution.not_found,
        "excluded": excluded(course_key, resolution.usernames, recipients),
    }
