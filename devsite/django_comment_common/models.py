"""
Stand-in for edx-platform's discussion roles, so the demo can hold moderators who are not staff.
"""
from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class Role(models.Model):
    name = models.CharField(max_length=30, null=False, blank=False)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="roles")
    course_id = CourseKeyField(max_length=255, blank=True, db_index=True)

    class Meta:
        app_label = "django_comment_common"
        db_table = "django_comment_client_role"
