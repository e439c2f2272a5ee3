"""Stand-in for edx-platform's `student` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.student"
    label = "student"
    default_auto_field = "django.db.models.AutoField"
