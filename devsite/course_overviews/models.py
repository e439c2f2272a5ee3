"""
Stand-in for edx-platform's CourseOverview: only the fields the plugin and the seed use.
"""
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class CourseOverview(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    org = models.TextField(max_length=255, default="outdated_entry")
    display_name = models.TextField(null=True)
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    language = models.TextField(null=True)
    self_paced = models.BooleanField(default=False)

    class Meta:
        app_label = "course_overviews"
        db_table = "course_overviews_courseoverview"

    def __str__(self):
        return self.display_name or str(self.id)
