"""
The base of every REST view: authentication as the LMS does it, JSON in and out, and for
course-scoped views the course in the URL parsed, found and checked before any handler runs.
"""
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import InvalidPage, Paginator
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema as spectacular_extend_schema
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from ...access import course_may_send, is_course_email_staff
from ...models import CourseEmail
from ...platform import get_course

AUTHENTICATION_CLASSES = (JwtAuthentication, SessionAuthenticationAllowInactiveUser)
MAX_ID_DIGITS = 18  # any longer id is beyond a 64-bit primary key, and int() of thousands of digits fails


ERROR_ANSWERS = {
    "400": "A field is wrong: each key names a field (or ``detail``) and says what is wrong.",
    "401": "Not logged in: no LMS session and no valid JWT.",
    "403": "Logged in, but not allowed to do this in this course.",
    "404": "No such course, or no such object in this course.",
}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema of a view, plus the error answers every endpoint may give."""

    def get_operation_id(self):
        """``<view>_<method>``, e.g. ``email_detail_patch``: unique, as each view has one route."""
        view_name = type(self.view).__name__.removesuffix("View")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", view_name).lower() + "_" + self.method.lower()

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            error = {"application/json": {"schema": {"type": "object", "additionalProperties": True}}}
            for status, description in ERROR_ANSWERS.items():
                operation["responses"].setdefault(status, {"description": description, "content": error})
        return operation


def extend_schema(**kwargs):
    """
    drf-spectacular's ``extend_schema`` for a view method, whatever the LMS's schema settings.

    Spectacular's own decorator builds on REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS, which
    belongs to the LMS and may not be spectacular's; the schema view then fails. Every
    method of this API is documented through this decorator instead.
    """
    def decorate(method):
        if "schema" not in getattr(method, "kwargs", {}):
            method.schema = ApiSchema
        return spectacular_extend_schema(**kwargs)(method)
    return decorate


def parse_course_key(value):
    """The CourseKey in ``value``, or a 400 naming it."""
    try:
        return CourseKey.from_string(value)
    except InvalidKeyError as error:
        raise ValidationError({"course_id": _("'{value}' is not a valid course key.").format(value=value)}) from error


def find_course(course_key):
    """The course's CourseOverview, or a 404 naming the course."""
    course = get_course(course_key)
    if course is None:
        raise NotFound(_("There is no course {course_id}.").format(course_id=course_key))
    return course


def find_course_email(course_key, email_id):
    """
    The course's email with this id, or a 404.

    Filtered by the course in the URL too, so an id of another course is simply not found.
    """
    email_id = str(email_id)
    email = None
    if email_id.isascii() and email_id.isdigit() and len(email_id) <= MAX_ID_DIGITS:
        email = CourseEmail.objects.filter(id=int(email_id), course_id=course_key).select_related("send_task").first()
    if email is None:
        raise NotFound(_("This course has no email {email_id}.").format(email_id=email_id))
    return email


class CoursePagination(PageNumberPagination):
    """
    ``?page=P&page_size=N``, refusing what is out of range with a 400 naming the parameter.

    DRF's own pagination answers 404 for a page past the end and silently ignores a bad
    page size; a caller should learn which parameter was wrong instead.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: _(
                "Must be a whole number from 1 to {maximum}.").format(maximum=self.max_page_size)})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = Paginator(queryset, self.get_page_size(request))
        number = _whole_number(request.query_params.get(self.page_query_param, "1"))
        try:
            self.page = paginator.page(number if number is not None else "")
        except InvalidPage as error:
            raise ValidationError({self.page_query_param: _(
                "Must be a whole number from 1 to {last}.").format(last=paginator.num_pages)}) from error
        return list(self.page)


def _whole_number(raw):
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


class JsonApiView(APIView):
    """
    A view that speaks JSON only, authenticated by the LMS session or a JWT.

    JSON only, with ``nosniff`` and a sandboxing Content-Security-Policy, because responses
    carry HTML bodies written by staff: a browser must never render them as a page in a
    staff member's session (DRF's browsable API would).
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (IsAuthenticated,)
    renderer_classes = (JSONRenderer,)
    parser_classes = (JSONParser,)
    schema = ApiSchema()

    def initial(self, request, *args, **kwargs):
        # Older DRF parses JSON from the raw stream, bypassing Django's own size check.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if limit is not None and length.isdigit() and int(length) > limit:
            raise RequestDataTooBig()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            exc = ParseError(_("The request is larger than this site accepts."))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        return response


class CourseView(JsonApiView):
    """
    A view of one course's email, for that course's staff and admins and global staff.

    Sets ``self.course_key`` and ``self.course`` (the CourseOverview). A malformed course
    key answers 400, an unknown course 404, anonymous 401, anyone else 403. Objects looked
    up by id must also be filtered by ``self.course_key``.

    Views that send mail list their sending HTTP methods in ``sending_methods`` (for
    example ``("POST",)``); when the site requires per-course authorization and this
    course has none, those methods answer 403 before the handler runs. A handler that
    decides later whether it sends calls ``self.check_course_may_send()``.
    """

    sending_methods = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.course_key = parse_course_key(kwargs["course_id"])
        if not is_course_email_staff(request.user, self.course_key):
            raise PermissionDenied(_("Only this course's staff and admins can use its email."))
        self.course = find_course(self.course_key)
        if request.method in self.sending_methods:
            self.check_course_may_send()

    def check_course_may_send(self):
        """Refuse with a 403 when this site requires an authorization this course lacks."""
        if not course_may_send(self.course_key):
            raise PermissionDenied(_(
                "Bulk email is not enabled for this course. A site administrator must "
                "authorize the course before it can send email."))
