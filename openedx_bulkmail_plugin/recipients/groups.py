"""
Recipient groups: who each group of a course includes, decided in SQL.

The rules are those of the Open edX guide to bulk email. Each group is a condition on
the User table (or on the course's enrollments), so that :mod:`.selection` can combine
them with named learners and filters into one query: no user is ever loaded into Python
to decide whether they belong.

Group keys: ``myself``, ``staff``, ``learners``, ``track:<mode slug>`` and
``cohort:<cohort name>``.
"""
import calendar
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import platform
from ..conf import last_login_eligibility_months

MYSELF = "myself"
STAFF = "staff"
LEARNERS = "learners"
TRACK_PREFIX = "track:"
COHORT_PREFIX = "cohort:"


class UnknownGroup(ValueError):
    """A target key that names no recipient group this course offers."""

    def __init__(self, key):
        self.key = key
        super().__init__(_("'{key}' is not a recipient group of this course.").format(key=key))


class EmptySelection(ValueError):
    """Nobody was selected: no recipient group and no named learner."""

    def __init__(self):
        super().__init__(_("Select at least one recipient group or name a learner."))


@dataclass(frozen=True)
class Group:
    """A recipient group as the instructor sees it."""

    key: str
    label: str
    description: str


class CourseOffer:
    """
    The groups one course offers, read once: its tracks and, when enabled, its cohorts.

    Validation, counting and the recipient query all start from the same offer, so a key
    that validates is a key that the query understands.
    """

    def __init__(self, course_key):
        self.course_key = course_key
        self.tracks = self._tracks(course_key)
        self.cohorts = self._cohorts(course_key)

    @staticmethod
    def _tracks(course_key):
        """Mode slug -> display name, only when there is more than one track to choose from."""
        tracks = {}
        for slug, display_name in platform.course_modes(course_key).values_list("mode_slug", "mode_display_name"):
            tracks.setdefault(slug, display_name or slug)
        return tracks if len(tracks) > 1 else {}

    @staticmethod
    def _cohorts(course_key):
        """Cohort name -> id, only when cohorts are enabled for the course."""
        if not platform.is_cohorted(course_key):
            return {}
        return dict(platform.cohorts(course_key).values_list("name", "id"))

    def groups(self):
        """Every group offered, in the order the instructor dashboard lists them."""
        groups = [
            Group(MYSELF, _("Myself"), _("Only you, to test and review the message before a wider send.")),
            Group(STAFF, _("Staff and Administrators"),
                  _("Course team members who have the Staff or Admin role in this course.")),
            Group(LEARNERS, _("All Learners"),
                  _("Everyone currently enrolled, except learners who have not activated their account, "
                    "who opted out of this course's email, or who are on the course team.")),
        ]
        for slug, display_name in self.tracks.items():
            groups.append(Group(
                TRACK_PREFIX + slug,
                _("Learners in the {track} Track").format(track=display_name),
                _("Enrolled learners in the {track} track.").format(track=display_name),
            ))
        for name in self.cohorts:
            groups.append(Group(
                COHORT_PREFIX + name,
                _("Cohort: {name}").format(name=name),
                _("Enrolled learners assigned to the {name} cohort; learners in no cohort are not included.").format(
                    name=name),
            ))
        return groups

    def canonical_key(self, target):
        """The key as this course names it, or UnknownGroup."""
        if not isinstance(target, str):
            raise UnknownGroup(str(target))
        kind, separator, value = target.strip().partition(":")
        kind = kind.strip().lower()
        value = value.strip()
        if not separator and kind in (MYSELF, STAFF, LEARNERS):
            return kind
        if separator and kind + ":" == TRACK_PREFIX and value in self.tracks:
            return TRACK_PREFIX + value
        if separator and kind + ":" == COHORT_PREFIX and value in self.cohorts:
            return COHORT_PREFIX + value
        raise UnknownGroup(target)

    def canonical_keys(self, targets):
        """Canonical keys of ``targets``, each once, in the order given; none is fine here."""
        keys = []
        for target in targets or ():
            key = self.canonical_key(target)
            if key not in keys:
                keys.append(key)
        return keys

    def validate(self, targets):
        """Canonical keys of ``targets``, each once, in the order given; at least one."""
        keys = self.canonical_keys(targets)
        if not keys:
            raise EmptySelection()
        return keys


def available_groups(course_key):
    """The recipient groups this course offers, in display order."""
    return CourseOffer(course_key).groups()


def validate_targets(course_key, targets):
    """
    Normalise a selection of group keys for this course.

    Returns:
        list[str]: the canonical keys, de-duplicated, in the order given.
    Raises:
        UnknownGroup: a key that is not a group of this course (its ``key`` names it).
        EmptySelection: no key at all.
    """
    return CourseOffer(course_key).validate(targets)


def enrollments_in(offer, learner_keys, within=None):
    """
    The active enrollments of the course that the learner-based keys select.

    ``within`` (anything with ``of(enrollments)``) narrows them further: a sample for an
    estimate (:mod:`.estimates`), a range of users for a chunk of a ledger.
    """
    enrollments = platform.CourseEnrollment().objects.filter(course_id=offer.course_key, is_active=True)
    if within is not None:
        enrollments = within.of(enrollments)
    if LEARNERS in learner_keys:
        return enrollments
    modes = [key[len(TRACK_PREFIX):] for key in learner_keys if key.startswith(TRACK_PREFIX)]
    cohort_ids = [offer.cohorts[key[len(COHORT_PREFIX):]] for key in learner_keys if key.startswith(COHORT_PREFIX)]
    members = platform.CohortMembership().objects.filter(
        course_id=offer.course_key, course_user_group_id__in=cohort_ids).values("user_id")
    selected = []
    if modes:
        selected.append(Q(mode__in=modes))
    if cohort_ids:
        selected.append(Q(user_id__in=members))
    return enrollments.filter(reduce(or_, selected))


def learner_condition(course_key, enrollments):
    """Users holding one of ``enrollments`` and passing the learner rules, as a filter on User."""
    return Q(pk__in=enrollments.values("user_id")) & learner_rules(course_key)


def learner_rules(course_key, user_path="", user_id_ref="pk"):
    """
    The learner rules other than the enrollment itself, as a filter on a model reaching User.

    Activated and usable account, not opted out of this course, not on its course team,
    and seen within the eligibility period. ``user_path`` leads from the filtered model to
    the user (``"user__"`` from an enrollment) and ``user_id_ref`` names the user's id there.
    """
    return (
        usable_account(user_path)
        & ~Exists(platform.Optout().objects.filter(course_id=course_key, user_id=OuterRef(user_id_ref)))
        & ~Exists(course_team_roles(course_key).filter(user_id=OuterRef(user_id_ref)))
        & _seen_recently(user_path)
    )


def staff_condition(course_key):
    """Holders of the course-level Staff or Admin role with a usable account who did not opt out."""
    return (
        Q(pk__in=course_team_roles(course_key).values("user_id"))
        & usable_account()
        & ~Exists(platform.Optout().objects.filter(course_id=course_key, user_id=OuterRef("pk")))
    )


def course_team_roles(course_key):
    return platform.CourseAccessRole().objects.filter(course_id=course_key, role__in=platform.STAFF_ROLES)


def usable_account(user_path=""):
    """Activated, and not disabled (a disabled account carries Django's unusable password)."""
    return Q(**{f"{user_path}is_active": True}) & ~Q(**{f"{user_path}password__startswith": UNUSABLE_PASSWORD_PREFIX})


def _seen_recently(user_path=""):
    """Logged in since the cutoff, or never logged in on an account created since then."""
    cutoff = eligibility_cutoff()
    if cutoff is None:
        return Q()
    return Q(**{f"{user_path}last_login__gte": cutoff}) | Q(
        **{f"{user_path}last_login__isnull": True, f"{user_path}date_joined__gte": cutoff})


def eligibility_cutoff(now=None):
    """The moment before which a learner's last login makes them too dormant to mail, or None."""
    months = last_login_eligibility_months()
    if not months:
        return None
    return months_before(now or timezone.now(), months)


def months_before(moment, months):
    """``moment`` moved back by calendar months; the day is clamped to the shorter month's end."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)
