"""Stand-in for edx-platform's `courseware` app (same label, model, table and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.courseware"
    label = "courseware"
    default_auto_field = "django.db.models.AutoField"
