"""Stand-in for edx-platform's `course_groups` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.course_groups"
    label = "course_groups"
    default_auto_field = "django.db.models.AutoField"
