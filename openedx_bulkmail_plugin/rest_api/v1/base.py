"""
The base of every course-scoped REST view: authentication as the LMS does it, and the
course in the URL parsed, found and checked before any handler runs.
"""
from django.utils.translation import gettext as _
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from ...access import is_course_email_staff
from ...platform import get_course

AUTHENTICATION_CLASSES = (JwtAuthentication, SessionAuthenticationAllowInactiveUser)


def parse_course_key(value):
    """The CourseKey in ``value``, or a 400 naming it."""
    try:
        return CourseKey.from_string(value)
    except InvalidKeyError as error:
        raise ValidationError({"course_id": _("'{value}' is not a valid course key.").format(value=value)}) from error


class CourseView(APIView):
    """
    A view of one course's email, for that course's staff and admins and global staff.

    Sets ``self.course_key`` and ``self.course`` (the CourseOverview). A malformed course
    key answers 400, an unknown course 404, anonymous 401, anyone else 403. Objects looked
    up by id must also be filtered by ``self.course_key``.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (IsAuthenticated,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.course_key = parse_course_key(kwargs["course_id"])
        if not is_course_email_staff(request.user, self.course_key):
            raise PermissionDenied(_("Only this course's staff and admins can use its email."))
        self.course = get_course(self.course_key)
        if self.course is None:
            raise NotFound(_("There is no course {course_id}.").format(course_id=self.course_key))
