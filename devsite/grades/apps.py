"""Stand-in for edx-platform's `grades` app (same label, model, table and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.grades"
    label = "grades"
    default_auto_field = "django.db.models.AutoField"
