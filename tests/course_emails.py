"""
Course emails for the delivery tests, and a way to make edx-ace read its plugin settings again.
"""
from edx_ace.channel import channels
from edx_ace.policy import policies

from openedx_bulkmail_plugin.models import CourseEmail, SendTask
from tests import factories


def course_email(subject="Week 1", html="<p>Welcome!</p>", text="", course_key=factories.COURSE_KEY, sent=True):
    """A course email, with its send task when ``sent`` (the Message-ID names the task)."""
    email = CourseEmail.objects.create(
        course_id=course_key, subject=subject, html_message=html, text_message=text, targets=["learners"])
    if sent:
        SendTask.objects.create(email=email, state=SendTask.PROGRESS)
    return email


def reset_ace_plugins():
    """Forget the channels and policies edx-ace loaded once per process (they follow settings)."""
    for loader in (channels, policies):
        vars(loader.__wrapped__).pop("__once_result", None)
