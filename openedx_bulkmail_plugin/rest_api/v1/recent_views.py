"""
The once-a-week guard over HTTP: how many emails of this course the learners of a selection
already got, or are scheduled to get, around the time of a new send.

Its own endpoint rather than a field of the recipient count: the page asks again when the
send time changes, which does not change who is counted, and a count of people and a
count of past emails are two different questions each worth one query. It only warns:
nothing here ever refuses a send.
"""
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import api
from ...scheduling import validate_due
from .base import CourseView, extend_schema
from .recipient_views import selection_errors_as_400
from .serializers import SelectionSerializer


class RecentEmailsRequestSerializer(SelectionSerializer):  # pylint: disable=abstract-method
    schedule = serializers.CharField(
        required=False, allow_null=True,
        help_text="When the new email would go: ISO-8601 with a UTC offset. Absent or null: now.")
    exclude = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="The id of an email not to count: the scheduled email being edited.")


class RecentEmailsSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(
        allow_null=True,
        help_text="The most emails of this course any learner of the selection got or is being sent within "
                  "window_days of the time, plus the emails scheduled in that window; null when the guard is off.")
    window_days = serializers.IntegerField(help_text="Days before and after the time that are counted.")
    warn_at = serializers.IntegerField(allow_null=True, help_text="The count from which the page warns; "
                                                                  "null when the guard is off.")
    warn = serializers.BooleanField(help_text="Whether count reaches warn_at.")
    exact = serializers.BooleanField(
        help_text="False for a course above BULKMAIL_EXACT_COUNT_ENROLLMENTS, where count is the emails of "
                  "the course to learners within the window, each counted as reaching the whole selection.")


class RecentEmailsView(CourseView):
    """How many emails of the course the learners of a selection already have around a send's time."""

    @extend_schema(request=RecentEmailsRequestSerializer, responses=RecentEmailsSerializer,
                   summary="The once-a-week guard: recent emails of a selection's learners")
    def post(self, request, course_id):  # pylint: disable=unused-argument
        request_data = RecentEmailsRequestSerializer(data=request.data)
        request_data.is_valid(raise_exception=True)
        data = request_data.validated_data
        try:
            around = validate_due(data["schedule"]) if data.get("schedule") else None
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        with selection_errors_as_400():
            answer = api.recent_emails(self.course_key, request.user, data.get("targets"), data.get("individuals"),
                                       data.get("filters"), around=around, excluding=data.get("exclude"))
        return Response({"count": answer.count, "window_days": answer.window_days, "warn_at": answer.warn_at,
                         "warn": answer.warn, "exact": answer.exact})
