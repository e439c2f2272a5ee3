"""
Stand-in for edx-platform's courseware.StudentModule: a learner's state in one block of a course.
"""
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import LearningContextKeyField, UsageKeyField

from devsite.fields import UnsignedBigIntAutoField


class StudentModule(models.Model):
    id = UnsignedBigIntAutoField(primary_key=True)
    module_type = models.CharField(max_length=32, default="problem", db_index=True)
    module_state_key = UsageKeyField(max_length=255, db_column="module_id")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=True, db_constraint=False,
                                on_delete=models.CASCADE)
    course_id = LearningContextKeyField(max_length=255, db_index=True)
    state = models.TextField(null=True, blank=True)
    grade = models.FloatField(null=True, blank=True, db_index=True)
    max_grade = models.FloatField(null=True, blank=True)
    done = models.CharField(max_length=8, default="na")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        app_label = "courseware"
        db_table = "courseware_studentmodule"
        unique_together = (("student", "module_state_key", "course_id"),)
        indexes = [models.Index(fields=["module_state_key", "grade", "student"], name="courseware_stats")]


@contextmanager
def keeping_given_times():
    """
    Let seeds and benchmarks write past ``created``/``modified`` times, which auto_now would overwrite.

    The platform's rows carry the time of each learner's interaction; a stand-in filled in
    bulk needs to say when that was.
    """
    fields = [StudentModule._meta.get_field(name) for name in ("created", "modified")]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
