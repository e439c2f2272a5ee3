"""
The dev site's home page, a course page for the links in the mail to land on, and a
Mailbox that shows the course team what the demo's mail sink received.
"""
import mailbox
from email import policy
from email.parser import BytesParser

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from devsite.course_overviews.models import CourseOverview
from devsite.student.models import CourseAccessRole

# Every message's links leave the sandboxed frame for a tab of their own: the pages they
# open (unsubscribe, the course) refuse to be framed, as an LMS's pages do.
LINKS_OPEN_IN_A_NEW_TAB = '<base target="_blank">'


def home(request):
    return render(request, "demo/home.html", {"courses": CourseOverview.objects.order_by("id")})


def course_home(request, course_id):
    """What the LMS shows at a course's URL, reduced to its name: the landing page of the links in the mail."""
    try:
        course = CourseOverview.objects.get(id=CourseKey.from_string(course_id))
    except (InvalidKeyError, CourseOverview.DoesNotExist) as error:
        raise Http404("No such course") from error
    return render(request, "demo/course.html", {"course": course})


def may_read_the_mailbox(user):
    """Site staff and course teams only: the sink holds every learner's mail."""
    return user.is_staff or CourseAccessRole.objects.filter(user=user, role__in=("staff", "instructor")).exists()


def course_team_only(view):
    @login_required
    def guarded(request, *args, **kwargs):
        if not may_read_the_mailbox(request.user):
            return render(request, "demo/forbidden.html", status=403)
        return view(request, *args, **kwargs)
    return guarded


def _maildir():
    return mailbox.Maildir(settings.MAILBOX_DIR, factory=None, create=True)


def _parse(raw_file):
    return BytesParser(policy=policy.default).parse(raw_file)


@course_team_only
def mailbox_list(request):
    """Newest first, so the message just sent is on top."""
    box = _maildir()
    messages = []
    for key in box.keys():
        with box.get_file(key) as raw:
            message = _parse(raw)
        messages.append({"key": key, "to": message["To"], "subject": message["Subject"], "date": message["Date"],
                         "mtime": (settings.MAILBOX_DIR / "new" / key).stat().st_mtime
                         if (settings.MAILBOX_DIR / "new" / key).exists() else 0})
    messages.sort(key=lambda m: m["mtime"], reverse=True)
    return render(request, "demo/mailbox.html", {"messages": messages[:500], "total": len(messages)})


@course_team_only
def mailbox_message(request, key):
    """One message: its HTML part as received, its links opening in a tab of their own."""
    box = _maildir()
    try:
        raw = box.get_file(key)
    except KeyError as error:
        raise Http404("No such message") from error
    with raw:
        message = _parse(raw)
    body = message.get_body(preferencelist=("html", "plain"))
    headers = "".join(f"{name}: {value}\n" for name, value in message.items())
    content = body.get_content() if body else ""
    if body is not None and body.get_content_type() == "text/plain":
        return HttpResponse(headers + "\n" + content, content_type="text/plain; charset=utf-8")
    return render(request, "demo/message.html", {
        "headers": headers, "html": LINKS_OPEN_IN_A_NEW_TAB + content, "subject": message["Subject"]})
