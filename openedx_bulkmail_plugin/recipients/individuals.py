"""
Named learners: people an instructor adds to a selection by username or email address.

An entry is a username (matched exactly) or an email address (any case) of someone who is
actively enrolled in the course or holds its Staff or Admin role. Naming someone is a
deliberate choice, so the 18-month login cutoff and the "not on the course team" rule of
the learner groups do not apply; the account and opt-out rules still do.

Entries are matched in one query over the course's people; what is stored on an email is
the list of usernames they resolved to, so a send reaches exactly who was named.
"""
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from .. import platform
from .groups import course_team_roles, usable_account

MAX_INDIVIDUALS = 10_000


class InvalidIndividuals(ValueError):
    """The list of named learners is not a list of texts, or is too long."""


@dataclass(frozen=True)
class Resolution:
    """What a list of entries resolved to: usernames found (in entry order) and entries not found."""

    usernames: list
    not_found: list


def clean_entries(entries):
    """
    The entries stripped of surrounding space, blank ones dropped, each once, in order.

    Raises:
        InvalidIndividuals: not a list of texts, or more than MAX_INDIVIDUALS entries.
    """
    if entries is None:
        return []
    if not isinstance(entries, list | tuple) or not all(isinstance(entry, str) for entry in entries):
        raise InvalidIndividuals(_("Give the named learners as a list of usernames or email addresses."))
    cleaned = list(dict.fromkeys(entry.strip() for entry in entries if entry.strip()))
    if len(cleaned) > MAX_INDIVIDUALS:
        raise InvalidIndividuals(_("Name at most {limit} learners at once; this list has {count}.").format(
            limit=f"{MAX_INDIVIDUALS:,}", count=f"{len(cleaned):,}"))
    return cleaned


def resolve(course_key, entries):
    """
    Match cleaned entries against the course's people: one query for usernames, one for addresses.

    Two queries rather than one with OR, so the username lookup uses its unique index. The
    database may compare text without regard to case (MySQL's usual collation), so the
    candidates it returns are checked again here: usernames exactly, addresses in any case.
    """
    usernames = [entry for entry in entries if "@" not in entry]
    addresses = sorted({entry.lower() for entry in entries if "@" in entry})
    people = course_people(course_key)
    by_username, by_address = {}, {}
    if usernames:
        by_username = dict(people.filter(username__in=usernames).values_list("username", "username"))
    if addresses:
        matches = people.annotate(address=Lower("email")).filter(address__in=addresses)
        for username, email in matches.order_by("id").values_list("username", "email"):
            by_address.setdefault((email or "").lower(), username)
    found, not_found = {}, []
    for entry in entries:
        username = by_address.get(entry.lower()) if "@" in entry else by_username.get(entry)
        if username is None:
            not_found.append(entry)
        else:
            found.setdefault(username, None)
    return Resolution(list(found), not_found)


def course_people(course_key):
    """Users actively enrolled in the course or holding its Staff or Admin role: who may be named."""
    enrolled = platform.CourseEnrollment().objects.filter(course_id=course_key, is_active=True)
    return platform.User().objects.filter(
        Q(pk__in=enrolled.values("user_id")) | Q(pk__in=course_team_roles(course_key).values("user_id")))


def individuals_condition(course_key, usernames):
    """
    The named people who can receive the course's email, as a condition on User.

    Still in the course (enrolled or on its team), with an activated, usable account, and
    not opted out of the course's email.
    """
    if not usernames:
        return None
    enrolled = platform.CourseEnrollment().objects.filter(course_id=course_key, is_active=True)
    return (
        Q(username__in=usernames)
        & (Q(pk__in=enrolled.values("user_id")) | Q(pk__in=course_team_roles(course_key).values("user_id")))
        & usable_account()
        & ~Exists(platform.Optout().objects.filter(course_id=course_key, user_id=OuterRef("pk")))
    )


NOT_ACTIVATED = "not_activated"
DISABLED = "disabled"
OPTED_OUT = "opted_out"
FILTERED_OUT = "filtered_out"


def excluded(course_key, usernames, recipients):
    """
    The named people found who would not receive the message, each with the reason.

    Returns ``[{"username", "reason"}]`` in username order; reasons: ``not_activated``,
    ``disabled``, ``opted_out``, ``filtered_out`` (they do not meet the filters). One query.
    """
    if not usernames:
        return []
    rows = (
        platform.User().objects.filter(username__in=usernames)
        .annotate(
            opted_out=Exists(platform.Optout().objects.filter(course_id=course_key, user_id=OuterRef("pk"))),
            receives=Exists(recipients.filter(pk=OuterRef("pk"))),
            usable=ExpressionWrapper(usable_account(), output_field=BooleanField()),
        )
        .filter(receives=False)
        .order_by("username")
        .values_list("username", "is_active", "usable", "opted_out")
    )
    return [{"username": username, "reason": _reason(is_active, usable, opted_out)}
            for username, is_active, usable, opted_out in rows]


def _reason(is_active, usable, opted_out):
    if not is_active:
        return NOT_ACTIVATED
    if not usable:
        return DISABLED
    if opted_out:
        return OPTED_OUT
    return FILTERED_OUT
