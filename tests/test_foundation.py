"""
The foundation: registration as an LMS plugin, settings, models and the platform stand-ins.
"""
from importlib.metadata import entry_points
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection
from edx_django_utils.plugins import get_plugin_apps

from openedx_bulkmail_plugin.conf import DEFAULTS, bulkmail_settings, last_login_eligibility_months, validate_settings
from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.settings import common
from tests import factories


def test_plugin_is_registered_under_the_lms_entry_point():
    names = {entry.name: entry.value for entry in entry_points(group="lms.djangoapp")}
    assert names["openedx_bulkmail_plugin"] == "openedx_bulkmail_plugin.apps:BulkMailConfig"


def test_dev_site_loads_the_plugin_through_the_entry_point():
    assert "openedx_bulkmail_plugin.apps.BulkMailConfig" in get_plugin_apps("lms.djangoapp")
    assert apps.is_installed("openedx_bulkmail_plugin")


def test_ace_channel_and_policy_are_registered_as_entry_points():
    channels = {entry.name for entry in entry_points(group="openedx.ace.channel")}
    policies = {entry.name for entry in entry_points(group="openedx.ace.policy")}
    assert "bulkmail_email" in channels
    assert "bulkmail_course_optout" in policies


def test_plugin_settings_fill_in_every_default():
    settings = SimpleNamespace()
    common.plugin_settings(settings)
    for name, setting in DEFAULTS.items():
        assert getattr(settings, f"BULKMAIL_{name}") == setting.default


def test_plugin_settings_keep_what_an_operator_set():
    settings = SimpleNamespace(BULKMAIL_BATCH_SIZE=7, BULKMAIL_CELERY_QUEUE="edx.lms.core.bulkmail")
    common.plugin_settings(settings)
    assert settings.BULKMAIL_BATCH_SIZE == 7
    assert settings.BULKMAIL_CELERY_QUEUE == "edx.lms.core.bulkmail"


def test_plugin_settings_enable_our_ace_channel_and_policy_once():
    settings = SimpleNamespace(ACE_ENABLED_CHANNELS=["django_email"], ACE_ENABLED_POLICIES=[])
    common.plugin_settings(settings)
    common.plugin_settings(settings)
    assert settings.ACE_ENABLED_CHANNELS == ["django_email", "bulkmail_email"]
    assert settings.ACE_ENABLED_POLICIES == ["bulkmail_course_optout"]


def test_settings_are_read_live(settings):
    settings.BULKMAIL_BATCH_SIZE = 3
    assert bulkmail_settings.BATCH_SIZE == 3


def test_unknown_setting_name_is_an_error():
    with pytest.raises(AttributeError, match="BULKMAIL_NO_SUCH_THING"):
        bulkmail_settings.NO_SUCH_THING  # noqa: B018


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BULKMAIL_BATCH_SIZE", "100", "BULKMAIL_BATCH_SIZE must be int"),
    ("BULKMAIL_BATCH_SIZE", 0, "BULKMAIL_BATCH_SIZE must be at least 1"),
    ("BULKMAIL_COURSE_SPECIFIC_FROM", "yes", "BULKMAIL_COURSE_SPECIFIC_FROM must be bool"),
    ("BULKMAIL_RETRY_MAX_ATTEMPTS", True, "BULKMAIL_RETRY_MAX_ATTEMPTS must be int, not a boolean"),
    ("BULKMAIL_CELERY_QUEUE", None, "BULKMAIL_CELERY_QUEUE must not be None"),
])
def test_mistyped_setting_fails_at_start_naming_it(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        validate_settings()


def test_default_settings_are_valid():
    validate_settings()


@pytest.mark.parametrize(("platform", "ours", "expected"), [
    (None, 18, 18), (6, 18, 6), (None, None, None), (None, 0, None), (0, 18, None),
])
def test_platform_eligibility_period_wins_over_ours(settings, platform, ours, expected):
    settings.BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = platform
    settings.BULKMAIL_LAST_LOGIN_ELIGIBILITY_MONTHS = ours
    assert last_login_eligibility_months() == expected


@pytest.mark.parametrize(("label", "table"), [
    ("student.CourseEnrollment", "student_courseenrollment"),
    ("student.CourseAccessRole", "student_courseaccessrole"),
    ("student.UserProfile", "auth_userprofile"),
    ("course_modes.CourseMode", "course_modes_coursemode"),
    ("course_groups.CourseUserGroup", "course_groups_courseusergroup"),
    ("course_groups.CohortMembership", "course_groups_cohortmembership"),
    ("course_groups.CourseCohort", "course_groups_coursecohort"),
    ("course_groups.CourseCohortsSettings", "course_groups_coursecohortssettings"),
    ("course_overviews.CourseOverview", "course_overviews_courseoverview"),
    ("bulk_email.Optout", "bulk_email_optout"),
    ("django_comment_common.Role", "django_comment_client_role"),
    ("grades.PersistentCourseGrade", "grades_persistentcoursegrade"),
    ("courseware.StudentModule", "courseware_studentmodule"),
])
def test_stand_ins_use_the_platform_tables(label, table):
    assert apps.get_model(label)._meta.db_table == table


@pytest.mark.parametrize(("label", "field", "column", "kind"), [
    ("student.CourseEnrollment", "course", "course_id", "ForeignKey"),
    ("student.CourseEnrollment", "mode", "mode", "CharField"),
    ("student.CourseAccessRole", "course_id", "course_id", "CourseKeyField"),
    ("course_modes.CourseMode", "course", "course_id", "ForeignKey"),
    ("course_modes.CourseMode", "_expiration_datetime", "expiration_datetime", "DateTimeField"),
    ("course_groups.CourseUserGroup", "course_id", "course_id", "CourseKeyField"),
    ("course_groups.CohortMembership", "course_user_group", "course_user_group_id", "ForeignKey"),
    ("course_overviews.CourseOverview", "id", "id", "CourseKeyField"),
    ("bulk_email.Optout", "course_id", "course_id", "CourseKeyField"),
    ("grades.PersistentCourseGrade", "id", "id", "UnsignedBigIntAutoField"),
    ("grades.PersistentCourseGrade", "user_id", "user_id", "IntegerField"),
    ("grades.PersistentCourseGrade", "course_id", "course_id", "CourseKeyField"),
    ("grades.PersistentCourseGrade", "percent_grade", "percent_grade", "FloatField"),
    ("grades.PersistentCourseGrade", "passed_timestamp", "passed_timestamp", "DateTimeField"),
    ("courseware.StudentModule", "id", "id", "UnsignedBigIntAutoField"),
    ("courseware.StudentModule", "student", "student_id", "ForeignKey"),
    ("courseware.StudentModule", "course_id", "course_id", "LearningContextKeyField"),
    ("courseware.StudentModule", "module_state_key", "module_id", "UsageKeyField"),
    ("courseware.StudentModule", "modified", "modified", "DateTimeField"),
])
def test_stand_in_fields_match_the_platform(label, field, column, kind):
    model_field = apps.get_model(label)._meta.get_field(field)
    assert model_field.column == column
    assert type(model_field).__name__ == kind


@pytest.mark.parametrize(("label", "unique"), [
    ("grades.PersistentCourseGrade", ("course_id", "user_id")),
    ("courseware.StudentModule", ("student", "module_state_key", "course_id")),
])
def test_stand_ins_are_unique_as_the_platform_tables_are(label, unique):
    assert tuple(apps.get_model(label)._meta.unique_together[0]) == unique


def test_courseware_state_student_is_not_a_database_constraint():
    assert apps.get_model("courseware.StudentModule")._meta.get_field("student").db_constraint is False


def test_enrollment_course_is_not_a_database_constraint():
    field = apps.get_model("student.CourseEnrollment")._meta.get_field("course")
    assert field.db_constraint is False


@pytest.mark.django_db
def test_one_ledger_row_per_recipient_and_send():
    author = factories.user()
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=author, subject="s", html_message="b")
    task = SendTask.objects.create(email=email)
    Delivery.objects.create(task=task, user=author)
    with pytest.raises(IntegrityError):
        Delivery.objects.create(task=task, user=author)


@pytest.mark.django_db
def test_emoji_survive_in_subject_and_body():
    email = CourseEmail.objects.create(
        course_id=factories.COURSE_KEY, subject="Week 2 \U0001F389 done", html_message="<p>\U0001F44B caf\u00e9</p>")
    email.refresh_from_db()
    assert email.subject == "Week 2 \U0001F389 done"
    assert email.html_message == "<p>\U0001F44B caf\u00e9</p>"


@pytest.mark.django_db
def test_send_task_starts_queuing():
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, subject="s", html_message="b")
    assert SendTask.objects.create(email=email).state == SendTask.QUEUING


@pytest.mark.django_db
def test_seed_demo_course_is_idempotent():
    first, second = StringIO(), StringIO()
    call_command("seed_demo_course", "--learners", "20", stdout=first)
    tables = _row_counts()
    call_command("seed_demo_course", "--learners", "20", stdout=second)
    assert "(0 records created)" in second.getvalue()
    assert _row_counts() == tables
    assert "instructor" in first.getvalue()


@pytest.mark.django_db
def test_seed_demo_course_gives_learners_grades_passes_and_activity():
    call_command("seed_demo_course", "--learners", "20", stdout=StringIO())
    grades = apps.get_model("grades.PersistentCourseGrade").objects
    activity = apps.get_model("courseware.StudentModule").objects
    assert grades.filter(passed_timestamp__isnull=False).exists()
    assert grades.filter(passed_timestamp__isnull=True).exists()
    assert activity.exists()
    assert apps.get_model("auth.User").objects.filter(username__startswith="learner").exclude(
        id__in=activity.values("student_id")).exists()


def _row_counts():
    with connection.cursor() as cursor:
        counts = {}
        for table in ("auth_user", "student_courseenrollment", "student_courseaccessrole", "bulk_email_optout",
                      "course_groups_cohortmembership", "course_groups_courseusergroup_users",
                      "grades_persistentcoursegrade", "courseware_studentmodule"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def test_plugin_settings_add_our_templates_to_the_mako_lookup_once():
    settings = SimpleNamespace(MAKO_TEMPLATE_DIRS_BASE=["/edx/app/edxapp/lms/templates"])
    common.plugin_settings(settings)
    common.plugin_settings(settings)
    assert settings.MAKO_TEMPLATE_DIRS_BASE == ["/edx/app/edxapp/lms/templates", common.TEMPLATES_DIR]
    assert (common.TEMPLATES_DIR / "openedx_bulkmail_plugin" / "dashboard" / "bulkmail_email.html").exists()
