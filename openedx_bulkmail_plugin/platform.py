"""
The seam between the plugin and edx-platform: the only module that names platform apps.

Models are looked up by app label and name (``apps.get_model``), never imported, so the
same code runs inside the LMS and against the dev site's stand-ins, which carry the same
labels, tables and fields. Anything else the plugin needs from the platform (settings,
anonymous ids, course URLs) is asked for here too.
"""
import hashlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model

STAFF_ROLES = ("staff", "instructor")


def _model(label):
    app_label, model_name = label.split(".")
    return apps.get_model(app_label, model_name)


def User():  # pylint: disable=invalid-name
    return get_user_model()


def CourseEnrollment():  # pylint: disable=invalid-name
    return _model("student.CourseEnrollment")


def CourseAccessRole():  # pylint: disable=invalid-name
    return _model("student.CourseAccessRole")


def UserProfile():  # pylint: disable=invalid-name
    return _model("student.UserProfile")


def CourseMode():  # pylint: disable=invalid-name
    return _model("course_modes.CourseMode")


def CourseUserGroup():  # pylint: disable=invalid-name
    return _model("course_groups.CourseUserGroup")


def CohortMembership():  # pylint: disable=invalid-name
    return _model("course_groups.CohortMembership")


def CourseCohortsSettings():  # pylint: disable=invalid-name
    return _model("course_groups.CourseCohortsSettings")


def CourseOverview():  # pylint: disable=invalid-name
    return _model("course_overviews.CourseOverview")


def Optout():  # pylint: disable=invalid-name
    return _model("bulk_email.Optout")


def PersistentCourseGrade():  # pylint: disable=invalid-name
    return _model("grades.PersistentCourseGrade")


def StudentModule():  # pylint: disable=invalid-name
    return _model("courseware.StudentModule")


def get_course(course_key):
    """The course's CourseOverview, or None when the platform has no such course."""
    return CourseOverview().objects.filter(id=course_key).first()


def course_modes(course_key):
    """The course's enrollment modes (tracks), in a stable order."""
    return CourseMode().objects.filter(course_id=course_key).order_by("id")


def is_cohorted(course_key):
    """Whether cohorts are enabled for the course."""
    return CourseCohortsSettings().objects.filter(course_id=course_key, is_cohorted=True).exists()


def cohorts(course_key):
    """The course's cohorts (CourseUserGroup of type cohort), by name."""
    return CourseUserGroup().objects.filter(course_id=course_key, group_type="cohort").order_by("name")


def has_course_staff_role(user, course_key):
    """Whether ``user`` holds the course-level Staff or Admin role of this course."""
    return CourseAccessRole().objects.filter(user=user, course_id=course_key, role__in=STAFF_ROLES).exists()


def is_opted_out(user, course_key):
    """Whether the learner turned this course's email off (dashboard toggle or unsubscribe)."""
    return Optout().objects.filter(user=user, course_id=course_key).exists()


def set_opted_out(user, course_key, opted_out):
    """Write the learner's choice into the platform's own opt-out table. Idempotent."""
    if opted_out:
        Optout().objects.get_or_create(user=user, course_id=course_key)
    else:
        Optout().objects.filter(user=user, course_id=course_key).delete()


def anonymous_id_for_user(user, course_key):
    """
    The learner's anonymous id for the course, as the platform computes it.

    Outside the LMS (dev site, tests) a stable hash stands in for it.
    """
    try:
        from common.djangoapps.student.models import (  # pylint: disable=import-outside-toplevel
            anonymous_id_for_user as platform_anonymous_id,
        )
    except ImportError:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}|{user.id}|{course_key}".encode()).hexdigest()
        return digest[:32]
    return platform_anonymous_id(user, course_key)


def lms_root_url():
    """The LMS's public root URL, without a trailing slash."""
    return getattr(settings, "LMS_ROOT_URL", "http://localhost:8000").rstrip("/")


def platform_name():
    return getattr(settings, "PLATFORM_NAME", "Open edX")


def course_url(course_key):
    """Where a learner opens the course."""
    return f"{lms_root_url()}/courses/{course_key}/course/"


def profile_name(user):
    """The full name the learner gave in their profile, or "" when they gave none."""
    profile = getattr(user, "profile", None)
    return (profile.name or "").strip() if profile is not None else ""


def opted_out_user_ids(course_key):
    """The ids of learners opted out of this course's email, as a subquery (``values('user_id')``)."""
    return Optout().objects.filter(course_id=course_key).values("user_id")


def course_grades(course_key):
    """
    The course's persistent grades: one row per learner whose grade the platform computed.

    ``user_id`` is a plain integer (no foreign key); ``percent_grade`` a fraction from 0 to
    1; ``passed_timestamp`` is set the first time the learner passes and never cleared.
    """
    return PersistentCourseGrade().objects.filter(course_id=course_key)


def courseware_activity(course_key):
    """
    The learners' courseware state rows in the course; ``modified`` moves with each interaction.

    One of the LMS's largest tables: callers must narrow it by ``student_id`` too.
    """
    return StudentModule().objects.filter(course_id=course_key)


def user_with_profile(user_path):
    """The ``select_related`` paths that load a user and their profile in the same query."""
    return (user_path, f"{user_path}__profile")
