"""The demo's own app: the seed command and the Mailbox page."""
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "devsite.demo"
    label = "demo"
