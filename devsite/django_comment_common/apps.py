"""Stand-in for edx-platform's `django_comment_common` app (same label, models, tables and fields)."""
from django.apps import AppConfig


class StandInConfig(AppConfig):
    name = "devsite.django_comment_common"
    label = "django_comment_common"
    default_auto_field = "django.db.models.AutoField"
