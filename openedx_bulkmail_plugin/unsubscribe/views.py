"""
The one-click unsubscribe pages behind the link in every course message (RFC 8058).

The signed token in the URL is the only credential: mail clients POST
``List-Unsubscribe=One-Click`` with no cookies and no CSRF token, so the POST is exempt from
CSRF and needs no login. GET only shows a page with a button, because link scanners and
mail previewers follow every link they see.
"""
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import platform
from .tokens import BadToken, read_token

TEMPLATES = "openedx_bulkmail_plugin/unsubscribe/"


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """
    Confirm, unsubscribe and re-subscribe one learner from one course's email.

    Every POST answers 200 with a page, never a redirect, and repeating one changes
    nothing more: RFC 8058 clients POST once and read only the status.
    """

    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request, *args, **kwargs):
        try:
            self.learner, self.course_key, self.course = _read(kwargs["token"])
        except BadToken:
            return _page(request, "bad_link.html", {}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token):
        # A learner who opens the link again after opting out (or who turned the course's
        # email off on the dashboard) is told so, and offered the way back, rather than
        # asked a question whose answer is already yes.
        if platform.is_opted_out(self.learner, self.course_key):
            return self.page(request, "already_unsubscribed.html", token)
        return self.page(request, "confirm.html", token)

    def post(self, request, token):
        if "resubscribe" in request.POST:
            platform.set_opted_out(self.learner, self.course_key, False)
            return self.page(request, "resubscribed.html", token)
        platform.set_opted_out(self.learner, self.course_key, True)
        return self.page(request, "unsubscribed.html", token)

    def page(self, request, template, token):
        return _page(request, template, {
            "course_name": self.course.display_name or str(self.course_key),
            "course_url": platform.course_url(self.course_key),
            "platform_name": platform.platform_name(),
            "token": token,
        })


def _read(token):
    """The learner, course key and course a token names; BadToken when any is unknown."""
    user_id, course_key = read_token(token)
    learner = platform.User().objects.filter(id=user_id).first()
    course = platform.get_course(course_key)
    if learner is None or course is None:
        raise BadToken("unknown learner or course")
    return learner, course_key, course


def _page(request, template, context, status=200):
    response = render(request, TEMPLATES + template, context, status=status)
    # The token is a credential: keep it out of caches, search engines and Referer headers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
