"""
The instructor's Email page: one self-contained page that both instructor dashboards show.

The page is a Django template plus small JavaScript modules that talk to the REST API
with the session cookie; the server renders only the frame, the course and the strings.
"""
from django.contrib.auth.views import redirect_to_login
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import ensure_csrf_cookie
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from ..access import is_course_email_staff
from ..platform import course_url, get_course, lms_root_url, platform_name
from .catalog import page_strings

TEMPLATES = "openedx_bulkmail_plugin/dashboard/"


@xframe_options_sameorigin
@ensure_csrf_cookie
def email_page(request, course_id):
    """
    The Email page of one course, for its staff and admins and global staff.

    Framing is allowed from the LMS itself so that the legacy instructor dashboard can
    show the page in its Email section. A malformed or unknown course answers 404;
    someone signed in without the role gets a 403 page that says why, before learning
    whether the course exists.
    """
    course_key = _course_key(course_id)
    if course_key is None:
        return _not_found(request, course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_course_email_staff(request.user, course_key):
        return _forbidden(request, course_key)
    course = get_course(course_key)
    if course is None:
        return _not_found(request, course_id)
    return render(request, TEMPLATES + "email_page.html", {
        "course": course,
        "course_id": course_key,
        "platform_name": platform_name(),
        "embedded": request.GET.get("embedded") == "1",
        "page_config": _page_config(request, course_key),
        "page_strings": page_strings(),
    })


def email_page_path(course_key):
    """The path of a course's Email page on this LMS."""
    return reverse("bulkmail:email-page", kwargs={"course_id": str(course_key)})


def email_page_url(course_key):
    """The absolute URL of a course's Email page, as the instructor dashboard MFE links to it."""
    return lms_root_url() + email_page_path(course_key)


def _course_key(value):
    try:
        return CourseKey.from_string(value)
    except InvalidKeyError:
        return None


def _forbidden(request, course_key):
    """
    The 403 page: the platform's name in its header and a way back, to the course or the
    learner's dashboard, since a learner who followed a link here has nothing to do on it.
    Nothing on it depends on whether the course exists.
    """
    return render(request, TEMPLATES + "forbidden.html", {
        "course_id": course_key,
        "platform_name": platform_name(),
        "course_url": course_url(course_key),
        "dashboard_url": f"{lms_root_url()}/dashboard",
    }, status=403)


def _not_found(request, course_id):
    return render(request, TEMPLATES + "not_found.html", {"course_id": course_id}, status=404)


def _page_config(request, course_key):
    """What the page's script needs to find the API and format numbers and dates."""
    api_root = reverse("bulkmail:groups", kwargs={"course_id": str(course_key)}).rsplit("groups/", 1)[0]
    return {
        "courseId": str(course_key),
        "apiRoot": api_root,
        "language": get_language() or "en",
        "csrfToken": get_token(request),
        "pollMilliseconds": 2000,
    }
