"""
Recipient groups of a course with live counts, and who a selection reaches.

Both answer from :mod:`openedx_bulkmail_plugin.recipients`, so what the instructor sees
counted is exactly who a send would reach.
"""
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ...recipients import (
    SHOWN_RECIPIENTS,
    EmptySelection,
    InvalidFilter,
    InvalidIndividuals,
    UnknownGroup,
    counted_groups,
    preview,
    recipients_queryset,
)
from .base import CourseView, extend_schema
from .serializers import SelectionSerializer


class GroupSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    key = serializers.CharField(help_text="myself, staff, learners, track:<mode slug> or cohort:<cohort name>")
    label = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField(help_text="How many people the group reaches right now.")


class GroupsSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    groups = GroupSerializer(many=True)


class CountSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="People the selection reaches, each counted once.")


class RecipientSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    username = serializers.CharField()
    name = serializers.CharField(help_text="The full name of the learner's profile; empty when none.")
    email = serializers.CharField()


class ExcludedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    username = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=["not_activated", "disabled", "opted_out", "filtered_out"],
        help_text="Why this named person would get nothing: account not activated, account disabled, "
                  "opted out of the course's email, or does not meet the filters.")


class PreviewSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="People the selection reaches, each counted once.")
    recipients = RecipientSerializer(many=True, help_text=f"The first {SHOWN_RECIPIENTS}, in username order.")
    not_found = serializers.ListField(child=serializers.CharField(),
                                      help_text="Named entries that match nobody enrolled or on the course team.")
    excluded = ExcludedSerializer(many=True, help_text="Named people found who would not receive the message.")


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
    """How many people a selection reaches (someone in several groups counts once), and who."""

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

    @extend_schema(
        request=SelectionSerializer, responses=PreviewSerializer,
        summary="Who a selection of groups, named learners and filters reaches",
    )
    def post(self, request, course_id):  # pylint: disable=unused-argument
        selection = SelectionSerializer(data=request.data)
        selection.is_valid(raise_exception=True)
        data = selection.validated_data
        try:
            answer = preview(self.course_key, request.user, data.get("targets"), data.get("individuals"),
                             data.get("filters"))
        except (UnknownGroup, EmptySelection) as error:
            raise ValidationError({"targets": [str(error)]}) from error
        except InvalidIndividuals as error:
            raise ValidationError({"individuals": [str(error)]}) from error
        except InvalidFilter as error:
            raise ValidationError({"filters": {error.key: [error.message]}}) from error
        return Response(answer)
