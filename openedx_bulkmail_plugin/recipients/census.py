"""
The census of a course: its eligible learners counted by track and cohort, and its team.

Every group count, and the count of any selection made of groups alone, follows from it
without another pass over the enrollments: a learner has one enrollment (so one track)
and at most one cohort in a course, so the learners of any union of tracks and cohorts
are the sum of the cells that union covers; the Staff and Administrators group and the
learner groups never overlap (the course team is not among the learners). One GROUP BY
takes it, over the whole course or over a sample of it (:mod:`.estimates`).
"""
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery

from .. import platform
from .groups import COHORT_PREFIX, LEARNERS, MYSELF, STAFF, TRACK_PREFIX, CourseOffer, learner_rules, staff_condition


@dataclass(frozen=True)
class Census:
    """Eligible learners per (mode slug, cohort id or None), and the course team's size."""

    cells: tuple
    staff: int

    def learners(self, offer, keys):
        """The learners of the learner-based ``keys`` of ``offer`` (All Learners, tracks, cohorts), each once."""
        if LEARNERS in keys:
            return sum(learners for _mode, _cohort, learners in self.cells)
        modes = {key[len(TRACK_PREFIX):] for key in keys if key.startswith(TRACK_PREFIX)}
        cohorts = {offer.cohorts[key[len(COHORT_PREFIX):]] for key in keys if key.startswith(COHORT_PREFIX)}
        return sum(learners for mode, cohort, learners in self.cells if mode in modes or cohort in cohorts)

    def selection(self, offer, keys, myself_adds_one):
        """
        How many a selection of groups alone reaches, each person once.

        ``myself_adds_one``: whether Myself is selected by a requester who is not among
        the other selected groups already.
        """
        total = self.learners(offer, keys)
        if STAFF in keys:
            total += self.staff
        return total + (1 if myself_adds_one else 0)


def take(course_key, sample=None):
    """
    The course's census now: exact, or estimated from ``sample`` (see :mod:`.estimates`).

    Two queries: one GROUP BY over the enrollments, one count of the team (always exact:
    a team is a few dozen rows).
    """
    rows = _learners_by_track_and_cohort(course_key, sample)
    cells = tuple(
        (row["mode"], row["cohort_id"], sample.scaled(row["learners"]) if sample else row["learners"])
        for row in rows)
    staff = platform.User().objects.filter(staff_condition(course_key)).count()
    return Census(cells, staff)


def _learners_by_track_and_cohort(course_key, sample=None):
    """Eligible learners counted per (mode, cohort id): one GROUP BY over the enrollments."""
    memberships = platform.CohortMembership().objects.filter(course_id=course_key, user_id=OuterRef("user_id"))
    enrollments = platform.CourseEnrollment().objects.filter(course_id=course_key, is_active=True)
    if sample is not None:
        enrollments = sample.of(enrollments)
    return (
        enrollments
        .filter(learner_rules(course_key, user_path="user__", user_id_ref="user_id"))
        .annotate(cohort_id=Subquery(memberships.values("course_user_group_id")[:1]))
        .order_by()
        .values("mode", "cohort_id")
        .annotate(learners=Count("pk"))
    )


def counted_groups(course_key, requester, census=None):
    """
    Every offered group, in display order, with how many people it reaches.

    From ``census`` when given (a background count, or an estimate), else from one taken
    now: a handful of queries whatever the course's size.
    """
    offer = CourseOffer(course_key)
    census = census or take(course_key)
    counted = []
    for group in offer.groups():
        if group.key == MYSELF:
            count = 1 if requester is not None else 0
        elif group.key == STAFF:
            count = census.staff
        else:
            count = census.learners(offer, [group.key])
        counted.append((group, count))
    return counted


def group_counts(course_key, requester):
    """How many people each offered group reaches right now: ``{key: count}``."""
    return {group.key: count for group, count in counted_groups(course_key, requester)}
