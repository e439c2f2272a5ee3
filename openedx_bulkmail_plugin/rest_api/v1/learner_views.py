"""
The learner's side of the API: turning one course's email off and on again.

It writes the platform's own opt-out record, so the learner dashboard's "Email Settings"
toggle, this endpoint and the one-click unsubscribe link always agree.
"""
from rest_framework import serializers
from rest_framework.response import Response

from ...platform import is_opted_out, set_opted_out
from .base import JsonApiView, extend_schema, find_course, parse_course_key
from .serializers import StrictSerializer


class OptoutSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """``{"opted_out": bool}``; any other field is refused rather than ignored."""

    opted_out = serializers.BooleanField(
        help_text="True: the learner gets no more email from this course's staff.")


class OptoutView(JsonApiView):
    """
    Whether the logged-in user gets this course's email.

    Any authenticated user may read and set their own choice, enrolled or not: someone
    who left a course may still want its mail off.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.course_key = parse_course_key(kwargs["course_id"])
        find_course(self.course_key)

    @extend_schema(responses=OptoutSerializer, summary="Whether the logged-in user opted out of the course's email")
    def get(self, request, course_id):  # pylint: disable=unused-argument
        return Response({"opted_out": is_opted_out(request.user, self.course_key)})

    @extend_schema(request=OptoutSerializer, responses=OptoutSerializer,
                   summary="Opt the logged-in user out of the course's email, or back in")
    def put(self, request, course_id):  # pylint: disable=unused-argument
        serializer = OptoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_opted_out(request.user, self.course_key, serializer.validated_data["opted_out"])
        return Response({"opted_out": is_opted_out(request.user, self.course_key)})
