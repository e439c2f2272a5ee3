"""
Drafts through the email endpoints: saved with ``POST emails/`` and ``"draft": true``,
listed with ``?state=DRAFT``, edited with PATCH (naming the version edited), deleted with
DELETE, and sent or scheduled, once, with ``POST emails/<id>/send/``.

The email views hand a draft to the functions here, which only translate HTTP to
:mod:`openedx_bulkmail_plugin.api` and back. A save from an older version answers 409
with who changed the draft and when, so the page can say "changed by X at T: reload".
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ... import api
from .base import CourseView, extend_schema, find_course_email
from .serializers import (
    AuthorSerializer,
    ConflictSerializer,
    EmailPresenter,
    EmailSerializer,
    StrictSerializer,
    person_json,
    utc_text,
)


def not_scheduled():
    return _("A draft is not scheduled: give the time when you send it.")


class DraftSendSerializer(StrictSerializer):  # pylint: disable=abstract-method
    schedule = serializers.CharField(
        required=False, allow_null=True,
        help_text="When to send: ISO-8601 with a UTC offset. Absent or null: send now.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The version of the draft the sender saw; if it was saved since, nothing is sent (409).")


class DraftConflictSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    detail = serializers.CharField(help_text="Who changed the draft and when, and that it must be reloaded.")
    version = serializers.IntegerField(help_text="The draft's version now.")
    modified = serializers.DateTimeField(help_text="When it was last saved.")
    modified_by = AuthorSerializer(allow_null=True, help_text="Who saved it last.")


def create(course_key, user, data):
    """201 with the new draft's JSON; 400 naming what cannot even be kept."""
    if data.get("schedule") is not None:
        raise ValidationError({"schedule": [not_scheduled()]})
    try:
        email = api.save_draft(
            course_key, user, subject=data.get("subject", ""), body=data.get("body", ""),
            targets=data.get("targets"), individuals=data.get("individuals"), filters=data.get("filters"))
    except api.EmailInvalid as invalid:
        raise ValidationError(invalid.errors) from invalid
    return Response(_present(course_key, email.pk), status=status.HTTP_201_CREATED)


def edit(course_key, email, user, data):
    """200 with the draft as saved; 409 if someone saved it since the version given, or it was sent."""
    if "schedule" in data:
        raise ValidationError({"schedule": [not_scheduled()]})
    if "version" not in data:
        raise ValidationError({"version": [_("Give the version of the draft you edited.")]})
    changes = {name: data.get(name) for name in ("subject", "body", "targets", "individuals", "filters")}
    try:
        api.edit_draft(email, user, data["version"], **changes)
    except api.EmailInvalid as invalid:
        raise ValidationError(invalid.errors) from invalid
    except api.DraftConflict as changed:
        return conflict(changed)
    except api.WrongState as wrong:
        return state_conflict(wrong.state)
    return Response(_present(course_key, email.pk))


def delete(email):
    """204: the draft is gone; 409 if it was sent meanwhile."""
    try:
        api.delete_draft(email)
    except api.WrongState as wrong:
        return state_conflict(wrong.state)
    return Response(status=status.HTTP_204_NO_CONTENT)


def conflict(changed):
    """409: the draft was saved by someone else since; the answer says who and when."""
    return Response({
        "detail": str(changed),
        "version": changed.version,
        "modified": utc_text(changed.modified),
        "modified_by": person_json(changed.modified_by),
    }, status=status.HTTP_409_CONFLICT)


def state_conflict(state):
    """
    409 with the email's state, in the email views' words (imported late: they import this
    module); 404 when the draft was deleted while the request was on its way (no state).
    """
    if state is None:
        raise NotFound(_("This draft no longer exists."))
    from .emails import conflict as email_conflict  # pylint: disable=import-outside-toplevel
    return email_conflict(state)


class EmailSendView(CourseView):
    """Send a draft now or schedule it, once: the draft becomes an ordinary email."""

    sending_methods = ("POST",)

    @extend_schema(
        request=DraftSendSerializer,
        responses={201: EmailSerializer, 409: PolymorphicProxySerializer(
            component_name="DraftSendConflict", serializers=[DraftConflictSerializer, ConflictSerializer],
            resource_type_field_name=None)},
        summary="Send a draft now, or schedule it",
    )
    def post(self, request, course_id, email_id):  # pylint: disable=unused-argument
        email = find_course_email(self.course_key, email_id)
        data = DraftSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            api.send_draft(email, request.user, version=data.validated_data.get("version"),
                           schedule=data.validated_data.get("schedule"))
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        except api.DraftConflict as changed:
            return conflict(changed)
        except api.WrongState as wrong:
            return state_conflict(wrong.state)
        return Response(_present(self.course_key, email.pk), status=status.HTTP_201_CREATED)


def _present(course_key, email_id):
    return EmailPresenter(course_key).present(find_course_email(course_key, email_id))
