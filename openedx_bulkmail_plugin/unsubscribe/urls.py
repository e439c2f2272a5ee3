"""
The one-click unsubscribe pages (RFC 8058).
"""
from django.urls import path

from .views import UnsubscribeView

urlpatterns = [
    path("<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
]
