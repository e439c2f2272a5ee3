"""
Build the demo course run with every kind of person bulk email must treat right.

Idempotent: it only creates what is missing, so a second run changes nothing.
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from devsite.bulk_email.models import Optout
from devsite.course_groups.models import CohortMembership, CourseCohort, CourseCohortsSettings, CourseUserGroup
from devsite.course_modes.models import CourseMode
from devsite.course_overviews.models import CourseOverview
from devsite.courseware.models import StudentModule, keeping_given_times
from devsite.django_comment_common.models import Role
from devsite.grades.models import PersistentCourseGrade
from devsite.student.models import CourseAccessRole, CourseEnrollment, UserProfile

DEMO_COURSE = CourseKey.from_string("course-v1:DemoX+Mail101+2026")
OTHER_COURSE = CourseKey.from_string("course-v1:DemoX+Other+2026")
PASSWORD = "edx"
LEARNERS = 300
COHORTS = ("Blue Team", "Red Team", "Default Group")


class Command(BaseCommand):
    help = "Create the demo course, its tracks and cohorts, and a few hundred learners of every kind."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=LEARNERS, help="How many ordinary learners.")

    @transaction.atomic
    def handle(self, *args, **options):
        seeder = Seeder(now=timezone.now())
        seeder.courses()
        seeder.people(options["learners"])
        self.stdout.write(self.style.SUCCESS(seeder.summary()))


class Seeder:
    """Creates what is missing, and counts what it created."""

    def __init__(self, now):
        self.now = now
        self.password = make_password(PASSWORD)
        self.created = 0
        self.cohorts = {}

    def get_or_create(self, model, defaults=None, **lookup):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        self.created += int(created)
        return obj

    def courses(self):
        self.get_or_create(CourseOverview, id=DEMO_COURSE, defaults={
            "org": "DemoX", "display_name": "Writing Better Email", "language": "en",
            "start": self.now - timedelta(days=30), "end": self.now + timedelta(days=90),
        })
        self.get_or_create(CourseOverview, id=OTHER_COURSE, defaults={
            "org": "DemoX", "display_name": "Another Course", "language": "en",
        })
        for slug, name in (("audit", "Audit"), ("verified", "Verified Certificate")):
            self.get_or_create(CourseMode, course_id=DEMO_COURSE, mode_slug=slug, currency="usd",
                               defaults={"mode_display_name": name})
        self.get_or_create(CourseMode, course_id=OTHER_COURSE, mode_slug="audit", currency="usd",
                           defaults={"mode_display_name": "Audit"})
        for course_key in (DEMO_COURSE, OTHER_COURSE):
            self.get_or_create(CourseCohortsSettings, course_id=course_key, defaults={"is_cohorted": True})
        for name in COHORTS:
            group = self.get_or_create(CourseUserGroup, name=name, course_id=DEMO_COURSE, group_type="cohort")
            assignment = "random" if name == "Default Group" else "manual"
            self.get_or_create(CourseCohort, course_user_group=group, defaults={"assignment_type": assignment})
            self.cohorts[name] = group
        other_blue = self.get_or_create(CourseUserGroup, name="Blue Team", course_id=OTHER_COURSE, group_type="cohort")
        self.get_or_create(CourseCohort, course_user_group=other_blue)
        self.cohorts["other:Blue Team"] = other_blue

    def user(self, username, full_name, last_login=..., joined_days_ago=60, **fields):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@demo.example.com", password=self.password,
                        date_joined=self.now - timedelta(days=joined_days_ago),
                        last_login=self.now - timedelta(days=1) if last_login is ... else last_login, **fields)
            user.save()
            self.created += 1
        self.get_or_create(UserProfile, user=user, defaults={"name": full_name})
        return user

    def enroll(self, user, mode="audit", course_key=DEMO_COURSE, is_active=True, cohort=None, days_ago=None):
        enrollment, created = CourseEnrollment.objects.get_or_create(
            user=user, course_id=course_key, defaults={"mode": mode, "is_active": is_active})
        self.created += int(created)
        if created and days_ago:
            CourseEnrollment.objects.filter(pk=enrollment.pk).update(created=self.now - timedelta(days=days_ago))
        if cohort:
            group = self.cohorts[cohort]
            self.get_or_create(CohortMembership, user=user, course_id=course_key,
                               defaults={"course_user_group": group})
            group.users.add(user)

    def role(self, user, role, course_key=DEMO_COURSE, org=""):
        self.get_or_create(CourseAccessRole, user=user, role=role, course_id=course_key or None, org=org or "DemoX")

    def people(self, learners):
        self.course_team()
        for number in range(1, learners + 1):
            user = self.user(f"learner{number:03d}", f"Learner {number:03d}",
                             last_login=self.now - timedelta(hours=number))
            mode = "verified" if number % 3 == 0 else "audit"
            self.enroll(user, mode=mode, cohort=(COHORTS + (None,))[number % 4], days_ago=number % 120)
            self.progress(user, number)
        self.awkward_cases()

    def progress(self, user, number):
        """
        A grade for four learners in five and courseware activity for three in four, so the
        recipient filters have something to tell apart. Every seventeenth learner passed
        once and has since dropped below the pass mark; the platform keeps them passed.
        """
        if number % 5:
            percent = 0.45 if number % 17 == 0 else (number * 37 % 100) / 100
            passed = percent >= 0.6 or number % 17 == 0
            self.get_or_create(PersistentCourseGrade, user_id=user.id, course_id=DEMO_COURSE, defaults={
                "percent_grade": percent, "letter_grade": "Pass" if percent >= 0.6 else "",
                "grading_policy_hash": "demo", "passed_timestamp": self.now - timedelta(days=number % 20) if passed
                else None})
        if number % 4 == 3:
            return
        with keeping_given_times():
            for block in range(1, number % 3 + 2):
                moment = self.now - timedelta(days=(number * 3 + block) % 45)
                self.get_or_create(
                    StudentModule, student=user, course_id=DEMO_COURSE,
                    module_state_key=DEMO_COURSE.make_usage_key("problem", f"week{block}"),
                    defaults={"module_type": "problem", "created": moment, "modified": moment})

    def course_team(self):
        self.user("admin", "Site Admin", is_staff=True, is_superuser=True)
        instructor = self.user("instructor", "Ines Instructor")
        self.role(instructor, "instructor")
        self.enroll(instructor, mode="verified")
        self.role(self.user("staff", "Sam Staff"), "staff")
        staff_optout = self.user("staff_optout", "Otto Staff")
        self.role(staff_optout, "staff")
        self.get_or_create(Optout, user=staff_optout, course_id=DEMO_COURSE)
        beta = self.user("beta", "Bea Tester")
        self.role(beta, "beta_testers")
        self.enroll(beta, cohort="Blue Team")
        moderator = self.user("moderator", "Mo Derator")
        moderator_role = self.get_or_create(Role, name="Moderator", course_id=DEMO_COURSE)
        moderator_role.users.add(moderator)
        self.enroll(moderator)
        org_staff = self.user("org_staff", "Orla Orgstaff")
        self.get_or_create(CourseAccessRole, user=org_staff, role="staff", course_id=None, org="DemoX")
        self.enroll(org_staff, cohort="Red Team")

    def awkward_cases(self):
        for n in range(1, 6):
            self.enroll(self.user(f"unactivated{n}", f"Unactivated {n}", is_active=False, last_login=None))
            self.enroll(self.user(f"dropped{n}", f"Dropped {n}"), is_active=False)
            opted_out = self.user(f"optedout{n}", f"Opted Out {n}")
            self.enroll(opted_out, cohort="Blue Team")
            self.get_or_create(Optout, user=opted_out, course_id=DEMO_COURSE)
            self.enroll(self.user(f"dormant{n}", f"Dormant {n}", last_login=self.now - timedelta(days=730),
                                  joined_days_ago=900), mode="verified")
            self.enroll(self.user(f"newcomer{n}", f"Newcomer {n}", last_login=None, joined_days_ago=3))
        for n in range(1, 4):
            disabled = self.user(f"disabled{n}", f"Disabled {n}")
            if disabled.has_usable_password():
                disabled.set_unusable_password()
                disabled.save(update_fields=["password"])
            self.enroll(disabled)
            self.enroll(self.user(f"neverlogged{n}", f"Never Logged {n}", last_login=None, joined_days_ago=800))
        for n in range(1, 21):
            self.enroll(self.user(f"other{n:02d}", f"Other Course {n:02d}"), course_key=OTHER_COURSE,
                        cohort="other:Blue Team")

    def summary(self):
        return "\n".join([
            f"Demo course {DEMO_COURSE} is ready ({self.created} records created).",
            f"Log in at /login/ with password '{PASSWORD}' as:",
            "  instructor    course Admin (also enrolled)   -> can send email",
            "  staff         course Staff                   -> can send email",
            "  admin         global staff (Django admin)    -> can send email",
            "  learner001    an ordinary learner            -> gets a 403 on the Email page",
            f"Email page: /bulkmail/courses/{DEMO_COURSE}/   Mailbox (course team): /mailbox/",
        ])
