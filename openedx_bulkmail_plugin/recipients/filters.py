"""
Filters: conditions every learner of a selection must meet (grade, activity, enrollment date).

Each filter becomes a condition on the User table built from ``Exists`` subqueries on the
platform's own tables, correlated on the user's id: the database decides it together with
the rest of the selection, and no learner is ever loaded into Python to be judged.

    passed                 True / False   passed_timestamp set on the learner's course grade (no row: not passed)
    grade_below            0-100          percent_grade * 100 below the value (no row: 0%)
    grade_at_least         0-100          percent_grade * 100 at least the value (no row: 0%)
    inactive_days          1-3650         no courseware activity in the course in the last N days
    never_started          True           no courseware activity in the course at all
    enrolled_within_days   1-3650         active enrollment created in the last N days
"""
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from operator import and_

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import platform

PASSED = "passed"
GRADE_BELOW = "grade_below"
GRADE_AT_LEAST = "grade_at_least"
INACTIVE_DAYS = "inactive_days"
NEVER_STARTED = "never_started"
ENROLLED_WITHIN_DAYS = "enrolled_within_days"

MAX_DAYS = 3650
# Grades are stored as fractions rounded to two places; this absorbs the binary rounding of
# thresholds such as 57 / 100, so that a grade of exactly the threshold counts as reaching it.
GRADE_TOLERANCE = 1e-9


class InvalidFilter(ValueError):
    """A filter key this plugin does not know, or a value of the wrong type or out of range."""

    def __init__(self, key, message):
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class Rule:
    """How one filter's value is checked, and the condition it stands for."""

    kind: str  # "true", "boolean", "percent" or "days"

    def check(self, value):
        """The value as stored, or the message that says what is wrong with it."""
        if self.kind == "true":
            if value is not True:
                return None, _("Must be true.")
            return value, None
        if self.kind == "boolean":
            if not isinstance(value, bool):
                return None, _("Must be true or false.")
            return value, None
        if self.kind == "percent":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                return None, _("Must be a number from 0 to 100.")
            return value, None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
            return None, _("Must be a whole number of days from 1 to {maximum}.").format(maximum=MAX_DAYS)
        return value, None


RULES = {
    PASSED: Rule("boolean"),
    GRADE_BELOW: Rule("percent"),
    GRADE_AT_LEAST: Rule("percent"),
    INACTIVE_DAYS: Rule("days"),
    NEVER_STARTED: Rule("true"),
    ENROLLED_WITHIN_DAYS: Rule("days"),
}


def validate_filters(filters):
    """
    The filters as they are stored: known keys with checked values, in the documented order.

    Raises:
        InvalidFilter: the first wrong key or value, naming the key (``filters`` when the
        whole value is not an object).
    """
    problems = filter_problems(filters)
    if problems:
        key, message = next(iter(problems.items()))
        raise InvalidFilter(key, message)
    return {key: filters[key] for key in RULES if key in (filters or {})}


def filter_problems(filters):
    """``{key: message}`` for every wrong key or value of ``filters``; empty when all is well."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        return {"filters": _("Give the filters as an object, for example {\"passed\": false}.")}
    problems = {}
    for key, value in filters.items():
        rule = RULES.get(key)
        if rule is None:
            problems[key] = _("Unknown filter. Known filters: {keys}.").format(keys=", ".join(RULES))
            continue
        _value, message = rule.check(value)
        if message:
            problems[key] = message
    return problems


def filters_condition(course_key, filters, now=None):
    """
    Every filter of ``filters`` (already validated) at once, as a condition on User.

    An empty ``filters`` is the empty condition, which keeps everyone.
    """
    now = now or timezone.now()
    conditions = [_CONDITIONS[key](course_key, value, now) for key, value in filters.items()]
    return reduce(and_, conditions, Q())


def _grades(course_key):
    return platform.course_grades(course_key).filter(user_id=OuterRef("pk"))


def _activity(course_key):
    return platform.courseware_activity(course_key).filter(student_id=OuterRef("pk"))


def _nobody():
    return Q(pk__isnull=True)


def _passed(course_key, passed, now):  # pylint: disable=unused-argument
    has_passed = Exists(_grades(course_key).filter(passed_timestamp__isnull=False))
    return Q(has_passed) if passed else ~Q(has_passed)


def _grade_at_least(course_key, percent, now):  # pylint: disable=unused-argument
    if percent <= 0:
        return Q()  # everyone has at least 0%, including learners without a grade row
    return Q(Exists(_grades(course_key).filter(percent_grade__gte=percent / 100 - GRADE_TOLERANCE)))


def _grade_below(course_key, percent, now):
    if percent <= 0:
        return _nobody()
    return ~_grade_at_least(course_key, percent, now)


def _inactive_days(course_key, days, now):
    return ~Q(Exists(_activity(course_key).filter(modified__gte=now - timedelta(days=days))))


def _never_started(course_key, value, now):  # pylint: disable=unused-argument
    return ~Q(Exists(_activity(course_key)))


def _enrolled_within_days(course_key, days, now):
    recent = platform.CourseEnrollment().objects.filter(
        course_id=course_key, is_active=True, user_id=OuterRef("pk"), created__gte=now - timedelta(days=days))
    return Q(Exists(recent))


_CONDITIONS = {
    PASSED: _passed,
    GRADE_BELOW: _grade_below,
    GRADE_AT_LEAST: _grade_at_least,
    INACTIVE_DAYS: _inactive_days,
    NEVER_STARTED: _never_started,
    ENROLLED_WITHIN_DAYS: _enrolled_within_days,
}


def describe_filters(filters):
    """Each filter in the instructor's words, in the documented order: ``["have not passed", ...]``."""
    words = []
    for key, value in filters.items():
        if key == PASSED:
            words.append(_("have passed") if value else _("have not passed"))
        elif key == GRADE_BELOW:
            words.append(_("scored below {percent}%").format(percent=_number(value)))
        elif key == GRADE_AT_LEAST:
            words.append(_("scored at least {percent}%").format(percent=_number(value)))
        elif key == INACTIVE_DAYS:
            words.append(_("have not been active for {days} days").format(days=value))
        elif key == NEVER_STARTED:
            words.append(_("never started"))
        elif key == ENROLLED_WITHIN_DAYS:
            words.append(_("enrolled in the last {days} days").format(days=value))
    return words


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)
