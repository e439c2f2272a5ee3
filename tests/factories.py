"""
Small factories for the platform's people and courses, written against the stand-in models.

Every test builds exactly the population it talks about.
"""
import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from devsite.bulk_email.models import Optout
from devsite.course_groups.models import CohortMembership, CourseCohort, CourseCohortsSettings, CourseUserGroup
from devsite.course_modes.models import CourseMode
from devsite.course_overviews.models import CourseOverview
from devsite.courseware.models import StudentModule
from devsite.django_comment_common.models import Role
from devsite.grades.models import PersistentCourseGrade
from devsite.student.models import CourseAccessRole, CourseEnrollment, UserProfile

_numbers = itertools.count(1)
_hashes = {}


def _password_hash():
    """The hash of the password 'edx', computed once: hashing per user made the suite slow."""
    if "edx" not in _hashes:
        _hashes["edx"] = make_password("edx")
    return _hashes["edx"]


COURSE_KEY = CourseKey.from_string("course-v1:TestX+Mail+2026")


def course(key=COURSE_KEY, modes=("audit",), cohorted=False, display_name="Test Course", **fields):
    """A course run with its modes; cohorts enabled when asked."""
    key = CourseKey.from_string(str(key))
    overview, _ = CourseOverview.objects.get_or_create(
        id=key, defaults={"display_name": display_name, "org": key.org, "language": "en", **fields})
    for slug in modes:
        CourseMode.objects.get_or_create(course_id=key, mode_slug=slug, currency="usd",
                                         defaults={"mode_display_name": slug.title()})
    if cohorted:
        CourseCohortsSettings.objects.update_or_create(course_id=key, defaults={"is_cohorted": True})
    return overview


def user(username=None, name=None, last_login=..., **fields):
    """An activated user who logged in yesterday, with a profile."""
    number = next(_numbers)
    username = username or f"user{number}"
    fields.setdefault("email", f"{username}@example.com")
    if last_login is ...:
        last_login = timezone.now() - timedelta(days=1)
    fields.setdefault("password", _password_hash())
    person = get_user_model().objects.create(username=username, last_login=last_login, **fields)
    UserProfile.objects.create(user=person, name=name if name is not None else f"Person {username}")
    return person


def enroll(person, course_key=COURSE_KEY, mode="audit", is_active=True):
    return CourseEnrollment.objects.create(user=person, course_id=course_key, mode=mode, is_active=is_active)


def learner(course_key=COURSE_KEY, mode="audit", **fields):
    """A user enrolled in the course."""
    person = user(**fields)
    enroll(person, course_key, mode)
    return person


def grant(person, role, course_key=COURSE_KEY, org=None):
    """A course-level role (or an org-level one when ``course_key`` is None)."""
    return CourseAccessRole.objects.create(
        user=person, role=role, course_id=course_key, org=org or (course_key.org if course_key else ""))


def cohort(name, course_key=COURSE_KEY, assignment="manual"):
    group = CourseUserGroup.objects.create(name=name, course_id=course_key, group_type="cohort")
    CourseCohort.objects.create(course_user_group=group, assignment_type=assignment)
    return group


def add_to_cohort(person, group):
    CohortMembership.objects.create(user=person, course_user_group=group, course_id=group.course_id)
    group.users.add(person)


def opt_out(person, course_key=COURSE_KEY):
    return Optout.objects.create(user=person, course_id=course_key)


def discussion_role(person, name="Moderator", course_key=COURSE_KEY):
    """A discussion role (Moderator, Administrator, Community TA): never course staff."""
    role, _ = Role.objects.get_or_create(name=name, course_id=course_key)
    role.users.add(person)
    return role


def disable(person):
    """Disable an account as the platform does: an unusable password."""
    person.set_unusable_password()
    person.save()
    return person


def jwt_token(person, **claims):
    """A JWT for ``person`` as the LMS's OAuth2 provider signs it (the dev site's JWT_AUTH issuer)."""
    import jwt  # pylint: disable=import-outside-toplevel
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    issuer = settings.JWT_AUTH["JWT_ISSUERS"][0]
    now = int(timezone.now().timestamp())
    payload = {
        "iss": issuer["ISSUER"], "aud": issuer["AUDIENCE"], "iat": now, "exp": now + 3600,
        "preferred_username": person.username, "email": person.email,
        "administrator": person.is_staff, "version": "1.2.0", **claims,
    }
    return jwt.encode(payload, issuer["SECRET_KEY"], algorithm="HS256")


def grade(person, percent, passed_days_ago=None, course_key=COURSE_KEY):
    """The learner's persistent course grade: ``percent`` in 0-100; passed that many days ago, if given."""
    passed = None if passed_days_ago is None else timezone.now() - timedelta(days=passed_days_ago)
    return PersistentCourseGrade.objects.create(
        user_id=person.id, course_id=course_key, percent_grade=round(percent / 100, 2), letter_grade="",
        grading_policy_hash="policy", passed_timestamp=passed)


def activity(person, days_ago, course_key=COURSE_KEY, block="problem1"):
    """Courseware state the learner last touched ``days_ago`` days ago in one block of the course."""
    key = CourseKey.from_string(str(course_key))
    location = key.make_usage_key("problem", block)
    row = StudentModule.objects.create(student=person, course_id=key, module_state_key=location,
                                       module_type="problem")
    StudentModule.objects.filter(pk=row.pk).update(modified=timezone.now() - timedelta(days=days_ago))
    return row


def enrolled_days_ago(person, days, course_key=COURSE_KEY):
    """Move the learner's enrollment date back (the stand-in stamps it on creation)."""
    CourseEnrollment.objects.filter(user=person, course_id=course_key).update(
        created=timezone.now() - timedelta(days=days))
