"""
A course's emails: write one and send it now or later, list them, read one with its live
counts, edit or revoke it while it waits, cancel it while it sends.

The views only translate HTTP to :mod:`openedx_bulkmail_plugin.api` and
:mod:`openedx_bulkmail_plugin.scheduling` and back: a refused email answers 400 naming the
field, an email in the wrong state for the action 409 with its current state.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import api, scheduling
from ...models import CourseEmail, SendTask
from . import draft_views
from .base import CoursePagination, CourseView, extend_schema, find_course_email
from .serializers import (
    CheckedEmailSerializer,
    ConflictSerializer,
    EmailCreateSerializer,
    EmailEditSerializer,
    EmailPageSerializer,
    EmailPresenter,
    EmailSerializer,
    utc_text,
)

STATES = tuple(code for code, _label in SendTask.STATE_CHOICES)
STATE_LABELS = dict(SendTask.STATE_CHOICES)


class EmailPagination(CoursePagination):
    page_size = 20
    max_page_size = 100


def valid_request(serializer_class, request):
    """The request body's fields, or a 400 naming each wrong or unknown one."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def requested_states(request):
    """The ``state`` filter: repeated or comma-separated state names, or a 400 naming them."""
    states = []
    for value in request.query_params.getlist("state"):
        states.extend(part.strip().upper() for part in value.split(",") if part.strip())
    unknown = [state for state in states if state not in STATES]
    if unknown:
        raise ValidationError({"state": _("Unknown state {states}; choose from {choices}.").format(
            states=", ".join(unknown), choices=", ".join(STATES))})
    return states


def conflict(state):
    """409: the email is not in a state that allows this action; nothing was changed."""
    label = STATE_LABELS.get(state, state)
    return Response(
        {"detail": _("This is not possible while the email is in the state {state}.").format(state=label),
         "state": state},
        status=status.HTTP_409_CONFLICT,
    )


class EmailsView(CourseView):
    """The course's emails, newest first, and the creation of a new one (or of a draft)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, many=True, enum=STATES,
                             description="Only emails in these states. Without it, every email but drafts."),
            OpenApiParameter("page", int), OpenApiParameter("page_size", int, description="1 to 100; 20 by default."),
        ],
        responses=EmailPageSerializer, summary="The course's emails, newest first",
    )
    def get(self, request, course_id):  # pylint: disable=unused-argument
        emails = CourseEmail.objects.filter(course_id=self.course_key, send_task__isnull=False)
        states = requested_states(request)
        if states:
            emails = emails.filter(send_task__state__in=states)
        else:
            emails = emails.exclude(send_task__state=SendTask.DRAFT)
        emails = emails.select_related("send_task", "sender", "modified_by").order_by("-created", "-id")
        pagination = EmailPagination()
        page = pagination.paginate_queryset(emails, request, view=self)
        return pagination.get_paginated_response(EmailPresenter(self.course_key).present_all(page))

    @extend_schema(request=EmailCreateSerializer, responses={201: EmailSerializer},
                   summary="Send an email now, schedule it, or save it as a draft")
    def post(self, request, course_id):  # pylint: disable=unused-argument
        if not (isinstance(request.data, dict) and request.data.get("draft") is True):
            self.check_course_may_send()
        data = valid_request(EmailCreateSerializer, request)
        if data["draft"]:
            return draft_views.create(self.course_key, request.user, data)
        try:
            selection, due = scheduling.validate_email_and_schedule(
                self.course_key, request.user, data["subject"], data["body"], data.get("targets", []),
                data.get("schedule"), individuals=data.get("individuals"), filters=data.get("filters"))
            task = api.create_email(
                self.course_key, request.user, data["subject"], data["body"], selection.targets, due=due,
                individuals=selection.individuals, filters=selection.filters)
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response(EmailPresenter(self.course_key).present(task.email), status=status.HTTP_201_CREATED)


class EmailCheckView(CourseView):
    """Every check of sending an email, and who it would reach, with nothing written or sent."""

    sending_methods = ("POST",)

    @extend_schema(request=EmailCreateSerializer, responses=CheckedEmailSerializer,
                   summary="Check an email as sending it would, without sending: 200 with the count, or 400")
    def post(self, request, course_id):  # pylint: disable=unused-argument
        data = valid_request(EmailCreateSerializer, request)
        try:
            count, due = api.check_email(
                self.course_key, request.user, data["subject"], data["body"], data.get("targets", []),
                data.get("schedule"), individuals=data.get("individuals"), filters=data.get("filters"))
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response({"count": count, "due": utc_text(due)})


class EmailDetailView(CourseView):
    """One email of the course: read it, and edit or revoke it while it is scheduled."""

    @extend_schema(responses=EmailSerializer, summary="One email, with live counts")
    def get(self, request, course_id, email_id):  # pylint: disable=unused-argument
        email = find_course_email(self.course_key, email_id)
        return Response(EmailPresenter(self.course_key).present(email))

    @extend_schema(request=EmailEditSerializer, responses={200: EmailSerializer, 409: ConflictSerializer},
                   summary="Edit a scheduled email (subject, body, selection, due time) or a draft")
    def patch(self, request, course_id, email_id):  # pylint: disable=unused-argument
        email = find_course_email(self.course_key, email_id)
        data = valid_request(EmailEditSerializer, request)
        if email.send_task.state == SendTask.DRAFT:
            return draft_views.edit(self.course_key, email, request.user, data)
        if email.send_task.state != SendTask.SCHEDULED:
            return conflict(email.send_task.state)
        try:
            scheduling.edit_scheduled(
                email.send_task, request.user, subject=data.get("subject"), body=data.get("body"),
                targets=data.get("targets"), due=data.get("schedule"),
                individuals=data.get("individuals"), filters=data.get("filters"))
        except api.WrongState as wrong:
            return conflict(wrong.state)
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response(self._fresh(email))

    @extend_schema(responses={200: EmailSerializer, 204: None, 409: ConflictSerializer},
                   summary="Revoke a scheduled email (it stays in the history and is never sent), "
                           "or delete a draft (204)")
    def delete(self, request, course_id, email_id):  # pylint: disable=unused-argument
        email = find_course_email(self.course_key, email_id)
        if email.send_task.state == SendTask.DRAFT:
            return draft_views.delete(email)
        return act_on_send(self.course_key, email_id, scheduling.revoke_scheduled)

    def _fresh(self, email):
        return EmailPresenter(self.course_key).present(find_course_email(self.course_key, email.pk))


class EmailCancelView(CourseView):
    """Stop a running send: unsent recipients are skipped, what was sent stays sent."""

    @extend_schema(request=None, responses={200: EmailSerializer, 409: ConflictSerializer},
                   summary="Cancel a running send")
    def post(self, request, course_id, email_id):  # pylint: disable=unused-argument
        return act_on_send(self.course_key, email_id, api.cancel_send)


def act_on_send(course_key, email_id, action):
    """Apply ``action`` to the email's send; 409 with the current state when it is too late for it."""
    email = find_course_email(course_key, email_id)
    try:
        action(email.send_task)
    except api.WrongState as wrong:
        return conflict(wrong.state)
    return Response(EmailPresenter(course_key).present(find_course_email(course_key, email.pk)))
