"""
A selection: recipient groups (a union), plus named learners, narrowed by filters; one query.

    everyone reached = myself  ∪  staff  ∪  ((learner groups ∪ named learners) ∩ filters)

The Myself and Staff groups are never filtered: the course team always gets its copy.
Creating an email, editing a scheduled one and counting all accept the same selection,
and all of them go through :func:`validate_selection` and :func:`recipients_queryset`, so
what the instructor counted is who the send reaches.
"""
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import platform
from .filters import describe_filters, filter_problems, filters_condition, validate_filters
from .groups import (
    MYSELF,
    STAFF,
    CourseOffer,
    EmptySelection,
    UnknownGroup,
    course_team_roles,
    enrollments_in,
    learner_condition,
    learner_rules,
    staff_condition,
)
from .individuals import InvalidIndividuals, clean_entries, individuals_condition, resolve


class SelectionInvalid(ValueError):
    """
    A selection that cannot be sent; ``errors`` names each wrong part.

    Keys: ``targets`` and ``individuals`` (a message each), ``filters`` (``{key: message}``)
    and ``not_found`` (the entries that match nobody in the course).
    """

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.errors.items()))


@dataclass(frozen=True)
class Selection:
    """A validated selection as an email stores it: canonical group keys, usernames, filters."""

    targets: list = field(default_factory=list)
    individuals: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)


def validate_selection(course_key, targets=None, individuals=None, filters=None):
    """
    Check a selection as an instructor gave it, and resolve the named learners.

    Args:
        targets: group keys (see :mod:`.groups`).
        individuals: usernames or email addresses of people in the course.
        filters: ``{key: value}`` (see :mod:`.filters`).
    Returns:
        Selection: canonical keys, the usernames the entries named, the filters to store.
    Raises:
        SelectionInvalid: naming every wrong part at once, and listing entries not found.
    """
    errors, offer = {}, CourseOffer(course_key)
    keys, entries = [], []
    try:
        keys = offer.canonical_keys(targets)
    except UnknownGroup as unknown:
        errors["targets"] = str(unknown)
    try:
        entries = clean_entries(individuals)
    except InvalidIndividuals as invalid:
        errors["individuals"] = str(invalid)
    problems = filter_problems(filters)
    if problems:
        errors["filters"] = problems
    resolution = resolve(course_key, entries)
    if resolution.not_found:
        errors["individuals"] = _("No one enrolled in this course or on its team matches: {entries}.").format(
            entries=", ".join(resolution.not_found))
        errors["not_found"] = resolution.not_found
    if not errors and not keys and not resolution.usernames:
        errors["targets"] = str(EmptySelection())
    if errors:
        raise SelectionInvalid(errors)
    return Selection(keys, resolution.usernames, validate_filters(filters))


@dataclass(frozen=True)
class UserRange:
    """
    The users whose id lies in ``(after, up_to]`` (``up_to`` None: no end): a chunk of a ledger.

    It narrows the learner groups' enrollments as well as the users, so that the database
    never reads, nor materialises, the course's enrollments outside the range.
    """

    after: int
    up_to: int = None

    def of(self, queryset, field="user_id"):
        queryset = queryset.filter(**{f"{field}__gt": self.after})
        return queryset if self.up_to is None else queryset.filter(**{f"{field}__lte": self.up_to})


def recipients_queryset(course_key, targets, requester, individuals=(), filters=None, within=None):
    """
    Everyone a message to this selection reaches, each person once, as one User queryset.

    Fit for ``.count()``, for streaming ``.values_list('id', flat=True).iterator()`` and
    as the subquery of an INSERT ... SELECT (``.values('id')``). ``requester`` is who
    ``myself`` means; without one, ``myself`` reaches nobody. ``individuals`` are
    usernames (as :func:`validate_selection` resolved them); a name no longer in the
    course simply reaches nobody. ``within`` narrows the learner groups to the enrollments
    of a sample (see :mod:`.estimates`), or everyone to a :class:`UserRange`.

    Raises:
        UnknownGroup: a key that is not a group of this course.
        EmptySelection: no group and no named learner.
        InvalidFilter: a filter key or value that is wrong.
    """
    offer = CourseOffer(course_key)
    keys = offer.canonical_keys(targets)
    usernames = list(individuals or ())
    if not keys and not usernames:
        raise EmptySelection()
    conditions = []
    if MYSELF in keys and requester is not None:
        conditions.append(Q(pk=requester.pk))
    if STAFF in keys:
        conditions.append(staff_condition(course_key))
    filtered = _filtered_part(offer, keys, usernames, validate_filters(filters), within)
    if filtered is not None:
        conditions.append(filtered)
    users = platform.User().objects
    if isinstance(within, UserRange):
        users = within.of(users, "id")
    if not conditions:
        # Nobody, in a form that still renders as SQL for INSERT ... SELECT.
        return users.filter(pk__isnull=True)
    return users.filter(reduce(or_, conditions))


def _filtered_part(offer, keys, usernames, filters, within=None):
    """Learner groups and named learners, together, narrowed by every filter; None if neither."""
    parts = []
    learner_keys = [key for key in keys if key not in (MYSELF, STAFF)]
    if learner_keys:
        parts.append(learner_condition(offer.course_key, enrollments_in(offer, learner_keys, within)))
    named = individuals_condition(offer.course_key, usernames)
    if named is not None:
        parts.append(named)
    if not parts:
        return None
    return reduce(or_, parts) & filters_condition(offer.course_key, filters)


def learner_groups_condition(offer, learner_keys, filters):
    """
    Learners of the learner-based keys who meet the filters, as a condition on User, correlated.

    Each user is checked by index lookups (their enrollment, their opt-out, ...), never by
    reading the course's enrollments whole: for the few people (the team, named learners) an
    estimate counts one by one.
    """
    enrolled = enrollments_in(offer, learner_keys).filter(user_id=OuterRef("pk"))
    return Exists(enrolled) & learner_rules(offer.course_key) & filters_condition(offer.course_key, filters or {})


def for_email(email, within=None):
    """
    Everyone a stored email reaches now: its groups, its named learners, its filters.

    The one door for code that starts from an email (the sending engine), so it never has
    to know which fields make up a selection. ``within``: a :class:`UserRange`, for one
    chunk of the ledger.

    Raises:
        UnknownGroup, EmptySelection, InvalidFilter: as :func:`recipients_queryset`.
    """
    return recipients_queryset(
        email.course_id, email.targets, email.sender, email.individuals, email.filters, within)


def reachable(course_key, requester):
    """
    Everyone any selection of this course may reach, as ``user_id`` values: a superset, some twice.

    The course's active enrollments, the holders of its team roles and the requester (who
    ``myself`` means). The ledger of a large send is cut into ranges of user ids that each
    hold a bounded number of them, so no range holds more recipients than that.
    """
    parts = [
        platform.CourseEnrollment().objects.filter(course_id=course_key, is_active=True).order_by().values("user_id"),
        course_team_roles(course_key).order_by().values("user_id"),
    ]
    if requester is not None:
        parts.append(platform.User().objects.filter(pk=requester.pk).order_by().values("id"))
    return parts[0].union(*parts[1:], all=True)


def reachable_for_email(email):
    """:func:`reachable` for a stored email: a superset of everyone it may reach."""
    return reachable(email.course_id, email.sender)


def describe_selection(targets, individuals, filters, labels):
    """
    The selection in the instructor's words: "All Learners who have not passed, scored below 60%".

    ``labels`` maps group keys to their labels (a key without one is shown as it is).
    """
    parts = [str(labels.get(key, key)) for key in targets]
    if individuals:
        count = len(individuals)
        parts.append(ngettext("{count} named learner", "{count} named learners", count).format(count=count))
    text = ", ".join(parts)
    conditions = describe_filters(filters or {})
    if conditions:
        text = _("{selection} who {conditions}").format(selection=text, conditions=", ".join(conditions))
    return text


