"""
Learners told apart by grade, passing, courseware activity and enrollment date, and who
each filter must keep among them.

    name              grade here  passed         activity here           enrolled
    passed_high       85%         yes            2 days ago              100 days ago
    passed_dropped    40%         yes, earlier   30 days ago             100 days ago
    at_sixty          60%         no             2 and 40 days ago       3 days ago
    just_below        59%         no             only in another course  3 days ago
    no_grade          (no row)    no             never                   100 days ago
    graded_elsewhere  (no row)    only elsewhere 30 days ago             5 days ago

The course team: ``staffer`` (Staff, not enrolled, no grade). Learners outside the rules:
``dormant`` (last login two years ago), ``unactivated``, ``disabled``, ``opted_out``,
``unenrolled`` (enrollment no longer active) and ``other_course`` (enrolled elsewhere only).
"""
from datetime import timedelta

from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from tests import factories as f

OTHER_COURSE_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")

LEARNERS = {"passed_high", "passed_dropped", "at_sixty", "just_below", "no_grade", "graded_elsewhere"}
EXPECTED = {
    ("passed", True): {"passed_high", "passed_dropped"},
    ("passed", False): {"at_sixty", "just_below", "no_grade", "graded_elsewhere"},
    ("grade_below", 60): {"passed_dropped", "just_below", "no_grade", "graded_elsewhere"},
    ("grade_at_least", 60): {"passed_high", "at_sixty"},
    ("inactive_days", 14): {"passed_dropped", "just_below", "no_grade", "graded_elsewhere"},
    ("never_started", True): {"just_below", "no_grade"},
    ("enrolled_within_days", 7): {"at_sixty", "just_below", "graded_elsewhere"},
}


def build():
    """Create the population; returns ``{username: user}``."""
    f.course(modes=("audit",))
    f.course(OTHER_COURSE_KEY, modes=("audit",))
    people = {name: f.learner(username=name) for name in sorted(LEARNERS)}
    _grades(people)
    _activity(people)
    for name, days in (("passed_high", 100), ("passed_dropped", 100), ("at_sixty", 3), ("just_below", 3),
                       ("no_grade", 100), ("graded_elsewhere", 5)):
        f.enrolled_days_ago(people[name], days)
    f.enroll(people["graded_elsewhere"], OTHER_COURSE_KEY)
    f.enroll(people["just_below"], OTHER_COURSE_KEY)
    people.update(_others())
    return people


def _grades(people):
    f.grade(people["passed_high"], 85, passed_days_ago=20)
    f.grade(people["passed_dropped"], 40, passed_days_ago=60)
    f.grade(people["at_sixty"], 60)
    f.grade(people["just_below"], 59)
    f.grade(people["graded_elsewhere"], 95, passed_days_ago=10, course_key=OTHER_COURSE_KEY)


def _activity(people):
    f.activity(people["passed_high"], 2)
    f.activity(people["passed_dropped"], 30)
    f.activity(people["at_sixty"], 40, block="old")
    f.activity(people["at_sixty"], 2, block="new")
    f.activity(people["just_below"], 1, course_key=OTHER_COURSE_KEY)
    f.activity(people["graded_elsewhere"], 30)


def _others():
    now = timezone.now()
    people = {
        "staffer": f.user(username="staffer"),
        "dormant": f.learner(username="dormant", last_login=now - timedelta(days=730)),
        "unactivated": f.learner(username="unactivated", is_active=False),
        "disabled": f.disable(f.learner(username="disabled")),
        "opted_out": f.learner(username="opted_out"),
        "unenrolled": f.user(username="unenrolled"),
        "other_course": f.learner(OTHER_COURSE_KEY, username="other_course"),
    }
    f.grant(people["staffer"], "staff")
    f.opt_out(people["opted_out"])
    f.enroll(people["unenrolled"], is_active=False)
    return people
