"""
Who may act on a course's email: the one rule every view, page and task asks.
"""
from .conf import bulkmail_settings
from .models import CourseAuthorization
from .platform import has_course_staff_role


def is_course_email_staff(user, course_key):
    """
    Whether ``user`` may read and send this course's email.

    Global staff, and holders of the course-level Staff or Admin role of this very course.
    Beta testers, discussion moderators and org-level roles do not qualify.
    """
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or has_course_staff_role(user, course_key)


def course_may_send(course_key):
    """Whether the site lets this course send bulk email (per-course gating, off by default)."""
    if not bulkmail_settings.REQUIRE_COURSE_AUTHORIZATION:
        return True
    return CourseAuthorization.objects.filter(course_id=course_key, email_enabled=True).exists()
