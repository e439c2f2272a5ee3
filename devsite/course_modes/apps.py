"""Stand-in for edx-platform's `course_modes` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.course_modes"
    label = "course_modes"
    default_auto_field = "django.db.models.AutoField"
