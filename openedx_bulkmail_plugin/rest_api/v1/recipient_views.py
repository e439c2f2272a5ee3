"""
Recipient groups of a course with live counts, and who a selection reaches.

All answer from :mod:`openedx_bulkmail_plugin.recipients`, so what the instructor sees
counted is exactly who a send would reach. A large course's counts may come from a
background count or an estimate (:mod:`~openedx_bulkmail_plugin.recipients.counting`): each
answer says when it was counted and how (``count_status``), so that no client shows an
estimate or an earlier count as the number a send would reach now.
"""
from contextlib import contextmanager

from django.utils import timezone
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
    counting,
    preview,
)
from ...recipients.filters import validate_filters
from ...recipients.individuals import clean_entries, resolve
from .base import CourseView, extend_schema
from .serializers import SelectionSerializer

COUNT_STATUS_HELP = (
    "How the counts were made: exact (now, everyone counted), recent (everyone counted, in the background "
    "at counted_at; people may have joined or left since) or estimate (from a sample of a large course's "
    "enrollments; ask again in a few seconds for the exact count).")


class CountedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """``counted_at`` and ``count_status``, which every count of this API carries."""

    counted_at = serializers.DateTimeField(help_text="When the counts were made.")
    count_status = serializers.ChoiceField(
        choices=[counting.EXACT, counting.RECENT, counting.ESTIMATE], help_text=COUNT_STATUS_HELP)


def counted(answer):
    """The ``counted_at`` and ``count_status`` of a :class:`~counting.Counted`, as the API gives them."""
    return {"counted_at": answer.counted_at.isoformat(), "count_status": answer.status}


@contextmanager
def selection_errors_as_400():
    """A selection's invalid part as the 400 that names it: targets, individuals, or the filter's key."""
    try:
        yield
    except (UnknownGroup, EmptySelection) as error:
        raise ValidationError({"targets": [str(error)]}) from error
    except InvalidIndividuals as error:
        raise ValidationError({"individuals": [str(error)]}) from error
    except InvalidFilter as error:
        raise ValidationError({"filters": {error.key: [error.message]}}) from error


class GroupSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    key = serializers.CharField(help_text="myself, staff, learners, track:<mode slug> or cohort:<cohort name>")
    label = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField(help_text="How many people the group reaches right now.")


class GroupsSerializer(CountedSerializer):  # pylint: disable=abstract-method
    groups = GroupSerializer(many=True)


class CountSerializer(CountedSerializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="People the selection reaches, each counted once.")


class SelectionCountSerializer(CountSerializer):  # pylint: disable=abstract-method
    not_found = serializers.ListField(child=serializers.CharField(),
                                      help_text="Named entries that match nobody enrolled or on the course team.")


class CountRequestSerializer(SelectionSerializer):  # pylint: disable=abstract-method
    exact = serializers.BooleanField(
        required=False, default=False,
        help_text="Count everyone now, however long a large course takes (before confirming a send).")


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


class PreviewSerializer(SelectionCountSerializer):  # pylint: disable=abstract-method
    recipients = RecipientSerializer(
        many=True, help_text=f"{SHOWN_RECIPIENTS} of them (the oldest accounts; everyone if fewer), in username order.")
    excluded = ExcludedSerializer(many=True, help_text="Named people found who would not receive the message.")


class GroupsView(CourseView):
    """The recipient groups this course offers, in display order, each with its count."""

    @extend_schema(responses=GroupsSerializer, summary="The course's recipient groups with live counts")
    def get(self, request, course_id):  # pylint: disable=unused-argument
        answer = counting.groups(self.course_key, request.user)
        groups = [
            {"key": group.key, "label": group.label, "description": group.description, "count": count}
            for group, count in answer.value
        ]
        return Response({"groups": groups, **counted(answer)})


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
            answer = counting.selection(self.course_key, request.user, request.query_params.getlist("target"))
        except (UnknownGroup, EmptySelection) as error:
            raise ValidationError({"target": [str(error)]}) from error
        return Response({"count": answer.value, **counted(answer)})

    @extend_schema(
        request=SelectionSerializer, responses=PreviewSerializer,
        summary="Who a selection of groups, named learners and filters reaches",
    )
    def post(self, request, course_id):  # pylint: disable=unused-argument
        selection = SelectionSerializer(data=request.data)
        selection.is_valid(raise_exception=True)
        data = selection.validated_data
        with selection_errors_as_400():
            answer = preview(self.course_key, request.user, data.get("targets"), data.get("individuals"),
                             data.get("filters"))
        return Response(answer)


class RecipientCountView(CourseView):
    """How many people a selection of groups, named learners and filters reaches, without the list."""

    @extend_schema(
        request=CountRequestSerializer, responses=SelectionCountSerializer,
        summary="How many people a selection reaches (the Email page asks at every change)",
    )
    def post(self, request, course_id):  # pylint: disable=unused-argument
        selection = CountRequestSerializer(data=request.data)
        selection.is_valid(raise_exception=True)
        data = selection.validated_data
        with selection_errors_as_400():
            resolution = resolve(self.course_key, clean_entries(data.get("individuals")))
            if not data.get("targets") and not resolution.usernames and resolution.not_found:
                # Only names that match nobody: nobody is reached, and the answer says whom to fix.
                validate_filters(data.get("filters"))
                answer = counting.Counted(0, timezone.now(), counting.EXACT)
                return Response({"count": 0, "not_found": resolution.not_found, **counted(answer)})
            answer = counting.selection(self.course_key, request.user, data.get("targets"), resolution.usernames,
                                        data.get("filters"), exact=data["exact"])
        return Response({"count": answer.value, "not_found": resolution.not_found, **counted(answer)})
