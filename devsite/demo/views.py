"""
The dev site's home page and a Mailbox that shows what the demo's mail sink received.
"""
import mailbox
from email import policy
from email.parser import BytesParser

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from devsite.course_overviews.models import CourseOverview


def home(request):
    return render(request, "demo/home.html", {"courses": CourseOverview.objects.order_by("id")})


def _maildir():
    return mailbox.Maildir(settings.MAILBOX_DIR, factory=None, create=True)


def _parse(raw_file):
    return BytesParser(policy=policy.default).parse(raw_file)


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


def mailbox_message(request, key):
    """One message: its HTML part as received, so links (unsubscribe) can be followed."""
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
    return render(request, "demo/message.html", {"headers": headers, "html": content, "subject": message["Subject"]})
