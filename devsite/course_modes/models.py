"""
Stand-in for edx-platform's CourseMode (enrollment tracks).
"""
from django.db import models


class CourseMode(models.Model):
    course = models.ForeignKey("course_overviews.CourseOverview", db_constraint=False, db_index=True,
                               related_name="modes", on_delete=models.DO_NOTHING)
    mode_slug = models.CharField(max_length=100)
    mode_display_name = models.CharField(max_length=255)
    min_price = models.IntegerField(default=0)
    currency = models.CharField(default="usd", max_length=8)
    _expiration_datetime = models.DateTimeField(default=None, null=True, blank=True, db_column="expiration_datetime")

    class Meta:
        app_label = "course_modes"
        db_table = "course_modes_coursemode"
        unique_together = ("course", "mode_slug", "currency")
