"""
Recipient groups of a course with live counts, and the size of a selection of them.

Both answer from :mod:`openedx_bulkmail_plugin.recipients`, so what the instructor sees
counted is exactly who a send would reach.
"""
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ...recipients import EmptySelection, UnknownGroup, counted_groups, recipients_queryset
from .base import CourseView, extend_schema


class GroupSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    key = serializers.CharField(help_text="myself, staff, learners, track:<mode slug> or cohort:<cohort name>")
    label = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField(help_text="How many people the group reaches right now.")


class GroupsSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    groups = GroupSerializer(many=True)


class CountSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="People the selection reaches, each counted once.")


class GroupsView(CourseView):
    """The recipient groups this course offers, in display order, each with its count."""

    @extend_schema(responses=GroupsSerializer, summary="The course's recipient groups with live counts")
    def get(self, request, course_id):  # pylint: disable=unused-argument
        groups = [
            {"key": group.key, "label": group.label, "description": group.description, "count": count}
            for group, count in counted_groups(self.course_key, request.user)
        ]
        return Response({"groups": groups})


class RecipientsView(CourseView):
    """How many people a selection of groups reaches: someone in several groups counts once."""

    @extend_schema(
        parameters=[OpenApiParameter("target", str, many=True, required=True,
                                     description="A group key; repeat for several groups.")],
        responses=CountSerializer,
        summary="How many people a selection of groups reaches",
    )
    def get(self, request, course_id):  # pylint: disable=unused-argument
        try:
            recipients = recipients_queryset(self.course_key, request.query_params.getlist("target"), request.user)
        except (UnknownGroup, EmptySelection) as error:
            raise ValidationError({"target": [str(error)]}) from error
        return Response({"count": recipients.count()})
