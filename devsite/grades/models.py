"""
Stand-in for edx-platform's grades.PersistentCourseGrade: a learner's computed course grade.
"""
from django.db import models
from django.utils import timezone
from opaque_keys.edx.django.models import CourseKeyField

from devsite.fields import UnsignedBigIntAutoField


class PersistentCourseGrade(models.Model):
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(default=timezone.now, editable=False)
    id = UnsignedBigIntAutoField(primary_key=True)
    user_id = models.IntegerField(blank=False, db_index=True)
    course_id = CourseKeyField(blank=False, max_length=255)
    course_edited_timestamp = models.DateTimeField(blank=True, null=True)
    course_version = models.CharField(blank=True, max_length=255)
    grading_policy_hash = models.CharField(blank=False, max_length=255)
    percent_grade = models.FloatField(blank=False)
    letter_grade = models.CharField(blank=False, max_length=255)
    passed_timestamp = models.DateTimeField(blank=True, null=True)

    class Meta:
        app_label = "grades"
        db_table = "grades_persistentcoursegrade"
        unique_together = [("course_id", "user_id")]
        indexes = [
            models.Index(fields=["passed_timestamp", "course_id"], name="passed_timestamp_course_id_idx"),
            models.Index(fields=["modified", "course_id"], name="modified_course_id_idx"),
        ]
