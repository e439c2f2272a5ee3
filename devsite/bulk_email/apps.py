"""Stand-in for edx-platform's `bulk_email` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.bulk_email"
    label = "bulk_email"
    default_auto_field = "django.db.models.AutoField"
