"""
The email JSON of the REST API, and the shapes of what it accepts.

The serializers here check only the shape of a request (which fields, which types). What
makes an email valid (subject rules, body size, recipient groups, the due time) is decided
by :mod:`openedx_bulkmail_plugin.api` and :mod:`openedx_bulkmail_plugin.scheduling`, so
the REST API, the Email page and any other caller refuse exactly the same things.
"""
from collections.abc import Mapping
from datetime import UTC

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import api
from ...deliverability.suppressions import skipped_note
from ...models import SendTask
from ...platform import profile_name
from ...recipients import MAX_INDIVIDUALS, available_groups, describe_selection
from ...recipients.filters import MAX_DAYS


class StrictSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """
    A request body that refuses fields it does not know, naming each one.

    DRF drops unknown fields silently; a caller who misspells ``schedule`` would then
    send at once an email meant for next week.
    """

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, Mapping):
            errors = {name: [_("Unknown field.")] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            if not isinstance(invalid.detail, Mapping):
                raise
            raise serializers.ValidationError({**errors, **invalid.detail}) from invalid
        if errors:
            raise serializers.ValidationError(errors)
        return value


def _text_field(**options):
    """Text kept exactly as written: the api decides what an empty or over-long value means."""
    return serializers.CharField(allow_blank=True, trim_whitespace=False, **options)


FILTERS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Conditions every learner selected through groups or by name must meet; all apply together. "
                   "The myself and staff groups are never filtered.",
    "properties": {
        "passed": {"type": "boolean", "description": "Has (true) or has not (false) ever passed the course."},
        "grade_below": {"type": "number", "minimum": 0, "maximum": 100,
                        "description": "Course grade in percent below this value (no grade yet: 0%)."},
        "grade_at_least": {"type": "number", "minimum": 0, "maximum": 100,
                           "description": "Course grade in percent at least this value (no grade yet: 0%)."},
        "inactive_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS,
                          "description": "No courseware activity in this course in the last N days."},
        "never_started": {"type": "boolean", "enum": [True], "description": "No courseware activity at all."},
        "enrolled_within_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS,
                                 "description": "Enrolled in the last N days."},
    },
}


@extend_schema_field(FILTERS_SCHEMA)
class FiltersField(serializers.JSONField):
    """The filters object, passed on as given: the recipients module checks each key and value."""


def _individuals_field(**options):
    return serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), max_length=MAX_INDIVIDUALS,
        help_text=f"Usernames (exact) or email addresses (any case) of people actively enrolled in the course or "
                  f"on its team, added to the groups; at most {MAX_INDIVIDUALS}.", **options)


class SelectionSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """Who a message goes to: groups (a union), plus named learners, narrowed by filters."""

    targets = serializers.ListField(child=serializers.CharField(), required=False, help_text="Recipient group keys.")
    individuals = _individuals_field(required=False)
    filters = FiltersField(required=False)


class EmailCreateSerializer(SelectionSerializer):  # pylint: disable=abstract-method
    subject = _text_field(required=False, help_text="One line, at most 255 characters. Required unless a draft.")
    body = _text_field(required=False, help_text="The message as HTML. Required unless a draft.")
    schedule = serializers.CharField(
        required=False, allow_null=True,
        help_text="When to send: ISO-8601 with a UTC offset. Absent or null: send now.")
    draft = serializers.BooleanField(
        required=False, default=False,
        help_text="Save a draft: neither sent nor scheduled; only sizes are checked until it is sent.")

    def validate(self, attrs):
        if not attrs.get("draft"):
            missing = {name: [_("This field is required.")] for name in ("subject", "body") if name not in attrs}
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class CheckedEmailSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="People the email would reach if it were sent now, each once.")
    due = serializers.DateTimeField(allow_null=True, help_text="When it would be sent (UTC); null: at once.")


class EmailEditSerializer(SelectionSerializer):  # pylint: disable=abstract-method
    subject = _text_field(required=False)
    body = _text_field(required=False)
    schedule = serializers.CharField(required=False, help_text="The new due time, ISO-8601 with a UTC offset.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="Required when editing a draft: the version the edit was made from (a save from an "
                  "older version answers 409). Not used for a scheduled email.")

    def validate(self, attrs):
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError(
                {"detail": _("Give at least one of subject, body, targets, individuals, filters or schedule.")})
        return attrs


class TargetSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    key = serializers.CharField()
    label = serializers.CharField()


class AuthorSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    username = serializers.CharField()
    name = serializers.CharField()


class CountsSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    total = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Learners who opted out of the course's email.")
    suppressed = serializers.IntegerField(help_text="Addresses skipped because they bounced or complained before.")
    cancelled = serializers.IntegerField(help_text="Recipients never sent to because the send was stopped.")


class EmailSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """
    The shape of one email and its send, as the API shows it, for the OpenAPI schema.

    ``EmailPresenter`` builds the JSON itself, so that group labels and author names are
    read once per response rather than once per email.
    """

    id = serializers.IntegerField()
    course_id = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    targets = TargetSerializer(many=True)
    individuals = serializers.ListField(child=serializers.CharField(), help_text="Usernames of named learners.")
    filters = serializers.DictField(help_text="The filters, as given when the email was written.")
    selection = serializers.CharField(help_text="Who the email goes to, in words: "
                                                "\"All Learners who have not passed, scored below 60%\".")
    author = AuthorSerializer(allow_null=True)
    created = serializers.DateTimeField()
    due = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField()
    state_label = serializers.CharField(
        help_text="The state in the instructor's words; a scheduled email deleted before its time "
                  "is REVOKED and reads \"Deleted before sending\".")
    counts = CountsSerializer()
    counts_final = serializers.BooleanField(
        help_text="Whether the counts will not change again: false while the send runs, and while a "
                  "stopped send's last message in flight is still being recorded.")
    failure_reason = serializers.CharField()
    suppressed_note = serializers.CharField(
        help_text='"N addresses skipped: bounced or complained before", or empty when none were.')
    version = serializers.IntegerField(help_text="Goes up by one at every save of a draft (and when it is sent).")
    modified = serializers.DateTimeField(help_text="When it was last saved.")
    modified_by = AuthorSerializer(allow_null=True, help_text="Who saved it last.")


class EmailPageSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text="Emails matching the filter, on all pages.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EmailSerializer(many=True)


class ConflictSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=[code for code, _label in SendTask.STATE_CHOICES],
                                    help_text="The state the email is in now.")


class EmailPresenter:
    """Turns emails of one course into their JSON, reading group labels and author names once."""

    def __init__(self, course_key):
        self.labels = {group.key: str(group.label) for group in available_groups(course_key)}
        self.authors = {}

    def present(self, email):
        return self.present_all([email])[0]

    def present_all(self, emails):
        """A page of emails: whose counts are final is asked once for the page, not once per stopped send."""
        emails = list(emails)
        final = api.final_counts([email.send_task for email in emails])
        return [self._json(email, email.send_task.id in final) for email in emails]

    def _json(self, email, counts_final):
        task = email.send_task
        counts = dict(api.counts(task))
        return {
            "id": email.pk,
            "course_id": str(email.course_id),
            "subject": email.subject,
            "body": email.html_message,
            "targets": [{"key": key, "label": self.labels.get(key, key)} for key in email.targets],
            "individuals": list(email.individuals),
            "filters": dict(email.filters),
            "selection": self.describe(email),
            "author": self.author(email.sender),
            "created": utc_text(email.created),
            "due": utc_text(task.due),
            "started_at": utc_text(task.started_at),
            "finished_at": utc_text(task.finished_at),
            "state": task.state,
            "state_label": state_label(task),
            "counts": counts,
            "counts_final": counts_final,
            "failure_reason": task.failure_reason,
            "suppressed_note": skipped_note(counts["suppressed"]),
            "version": email.version,
            "modified": utc_text(email.modified),
            "modified_by": self.author(email.modified_by),
        }

    def describe(self, email):
        """Who the email goes to, in words."""
        return describe_selection(email.targets, email.individuals, email.filters, self.labels)

    def author(self, sender):
        if sender is None:
            return None
        if sender.pk not in self.authors:
            self.authors[sender.pk] = person_json(sender)
        return self.authors[sender.pk]


def state_label(task):
    """The state as the instructor reads it: a send revoked before it started was deleted, not stopped."""
    if task.state == SendTask.REVOKED and task.started_at is None:
        return _("Deleted before sending")
    return str(task.get_state_display())


def person_json(user):
    """``{"username", "name"}`` of an author or editor, or None for an account that no longer exists."""
    if user is None:
        return None
    return {"username": user.username, "name": profile_name(user)}


def utc_text(moment):
    """ISO-8601 in UTC with a ``Z``, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
