"""
One course holding every kind of person the recipient rules tell apart, and who each group
must reach there.

The course has two tracks (audit, verified) and cohorts enabled (Blue Team, Red Team and
the default cohort); another course has its own Blue Team. Usernames say what each person is.
"""
from datetime import timedelta

from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from devsite.course_modes.models import CourseMode
from tests import factories as f

OTHER_COURSE_KEY = CourseKey.from_string("course-v1:TestX+Other+2026")

EXPECTED_STAFF = {"staffer", "enrolled_admin"}
EXPECTED_AUDIT = {
    "audit_blue", "never_opened", "default_cohort", "new_never_logged_in",
    "beta_learner", "moderator_learner", "org_staff_learner",
}
EXPECTED_VERIFIED = {"verified_red", "verified_blue"}
EXPECTED_LEARNERS = EXPECTED_AUDIT | EXPECTED_VERIFIED
EXPECTED_COHORTS = {
    "cohort:Blue Team": {"audit_blue", "verified_blue"},
    "cohort:Red Team": {"verified_red"},
    "cohort:Default Group": {"default_cohort"},
}
EXPECTED = {
    "staff": EXPECTED_STAFF,
    "learners": EXPECTED_LEARNERS,
    "track:audit": EXPECTED_AUDIT,
    "track:verified": EXPECTED_VERIFIED,
    **EXPECTED_COHORTS,
}


def build():
    """Create the population; returns ``{username: user}``."""
    f.course(modes=("audit", "verified"), cohorted=True)
    CourseMode.objects.filter(course_id=f.COURSE_KEY, mode_slug="verified").update(
        mode_display_name="Verified Certificate")
    f.course(OTHER_COURSE_KEY, modes=("audit",), cohorted=True)
    cohorts = {
        "blue": f.cohort("Blue Team"),
        "red": f.cohort("Red Team"),
        "default": f.cohort("Default Group", assignment="random"),
        "other_blue": f.cohort("Blue Team", OTHER_COURSE_KEY),
    }
    people = {}
    for build_part in (_learners, _excluded_learners, _course_team, _outsiders):
        people.update(build_part(cohorts))
    return people


def _learners(cohorts):
    now = timezone.now()
    people = {
        "audit_blue": f.learner(username="audit_blue"),
        "verified_red": f.learner(username="verified_red", mode="verified"),
        "verified_blue": f.learner(username="verified_blue", mode="verified"),
        "never_opened": f.learner(username="never_opened"),
        "default_cohort": f.learner(username="default_cohort"),
        "new_never_logged_in": f.learner(
            username="new_never_logged_in", last_login=None, date_joined=now - timedelta(days=30)),
        "beta_learner": f.learner(username="beta_learner"),
        "moderator_learner": f.learner(username="moderator_learner"),
        "org_staff_learner": f.learner(username="org_staff_learner"),
    }
    f.add_to_cohort(people["audit_blue"], cohorts["blue"])
    f.add_to_cohort(people["verified_blue"], cohorts["blue"])
    f.add_to_cohort(people["verified_red"], cohorts["red"])
    f.add_to_cohort(people["default_cohort"], cohorts["default"])
    f.grant(people["beta_learner"], "beta_testers")
    f.discussion_role(people["moderator_learner"], "Moderator")
    f.discussion_role(people["moderator_learner"], "Community TA")
    f.grant(people["org_staff_learner"], "staff", course_key=None, org="TestX")
    return people


def _excluded_learners(cohorts):
    now = timezone.now()
    people = {
        "unactivated": f.learner(username="unactivated", is_active=False),
        "disabled": f.disable(f.learner(username="disabled")),
        "unenrolled": f.user(username="unenrolled"),
        "opted_out": f.learner(username="opted_out"),
        "dormant": f.learner(username="dormant", last_login=now - timedelta(days=730)),
        "old_never_logged_in": f.learner(
            username="old_never_logged_in", last_login=None, date_joined=now - timedelta(days=3 * 365)),
    }
    f.enroll(people["unenrolled"], is_active=False)
    f.add_to_cohort(people["unenrolled"], cohorts["red"])
    f.opt_out(people["opted_out"])
    f.add_to_cohort(people["opted_out"], cohorts["blue"])
    return people


def _course_team(cohorts):
    people = {
        "staffer": f.user(username="staffer"),
        "enrolled_admin": f.learner(username="enrolled_admin", mode="verified"),
        "opted_out_staff": f.user(username="opted_out_staff"),
        "unactivated_staff": f.user(username="unactivated_staff", is_active=False),
        "disabled_staff": f.disable(f.user(username="disabled_staff")),
    }
    f.grant(people["staffer"], "staff")
    f.grant(people["enrolled_admin"], "instructor")
    f.add_to_cohort(people["enrolled_admin"], cohorts["blue"])
    f.grant(people["opted_out_staff"], "staff")
    f.opt_out(people["opted_out_staff"])
    f.grant(people["unactivated_staff"], "instructor")
    f.grant(people["disabled_staff"], "staff")
    return people


def _outsiders(cohorts):
    people = {
        "other_course_blue": f.learner(OTHER_COURSE_KEY, username="other_course_blue"),
        "other_course_staff": f.user(username="other_course_staff"),
        "global_staff": f.user(username="global_staff", is_staff=True),
    }
    f.add_to_cohort(people["other_course_blue"], cohorts["other_blue"])
    f.grant(people["other_course_staff"], "staff", OTHER_COURSE_KEY)
    return people
