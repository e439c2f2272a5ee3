"""Stand-in for edx-platform's `course_overviews` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.course_overviews"
    label = "course_overviews"
    default_auto_field = "django.db.models.AutoField"
