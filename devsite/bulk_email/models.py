"""
Stand-in for edx-platform's bulk_email.Optout (the dashboard's "Email Settings" toggle).
"""
from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class Optout(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=True, null=True, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255, db_index=True)

    class Meta:
        app_label = "bulk_email"
        db_table = "bulk_email_optout"
        unique_together = ("user", "course_id")
