"""
Helpers for the sending tests: many learners at once, sends created as the API creates them,
and waiting on the database with a deadline.
"""
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.utils import timezone

from devsite.student.models import CourseEnrollment, UserProfile
from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import SendTask
from tests import factories

# Any usable (not "!"-prefixed) hash: these learners never log in, and hashing thousands
# of real passwords would take minutes.
PASSWORD = "pbkdf2_sha256$1$salt$notarealhash="


def many_learners(count, course_key=factories.COURSE_KEY, prefix="learner"):
    """``count`` enrolled, active learners who logged in yesterday, created in a few queries."""
    yesterday = timezone.now() - timedelta(days=1)
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=f"{prefix}{number}", email=f"{prefix}{number}@example.com",
                         password=PASSWORD, last_login=yesterday, is_active=True)
        for number in range(count)
    ], batch_size=500)
    users = list(get_user_model().objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=user, name=f"Learner {user.username}") for user in users], batch_size=500)
    CourseEnrollment.objects.bulk_create(
        [CourseEnrollment(user=user, course_id=course_key, mode="audit", is_active=True) for user in users],
        batch_size=500)
    return users


def instructor(course_key=factories.COURSE_KEY):
    person = factories.user(username="instructor", name="Ines Instructor")
    factories.grant(person, "instructor", course_key)
    return person


def send_to_learners(sender, subject="Week 2", body="<p>Hello %%USER_FULLNAME%%</p>"):
    """Create a send to All Learners through the API; it is queued when the transaction commits."""
    return api.create_email(factories.COURSE_KEY, sender, subject, body, ["learners"])


def wait_until(condition, timeout=180.0, interval=0.1):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Still waiting after {timeout}s for {getattr(condition, '__name__', condition)}")


def finished(task):
    """A condition: the send ended (SUCCESS, FAILURE or REVOKED); returns the fresh task."""
    def is_finished():
        fresh = SendTask.objects.get(id=task.id)
        return fresh if fresh.is_finished else None
    return is_finished
