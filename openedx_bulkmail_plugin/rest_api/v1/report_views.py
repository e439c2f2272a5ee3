"""
What staff read about their course's email: who got a send, the history of every send as a
spreadsheet, and a preview of a message before it goes out.

CSV files are streamed row by row from the ledger in id order, a chunk at a time, so a
send to a hundred thousand learners never sits in memory as one list.
"""
import csv

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from ... import api
from ...models import CourseEmail, Delivery, SendTask
from ...sending.message import render_preview
from .base import CoursePagination, CourseView, extend_schema, find_course_email
from .serializers import EmailPresenter, StrictSerializer, utc_text

CSV_CHUNK = 2000
PREVIEW_TARGET = "myself"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_RESPONSE = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A CSV file, UTF-8.")}
EMAIL_ID = OpenApiParameter("email_id", int, OpenApiParameter.PATH)


class DeliverySerializer(serializers.ModelSerializer):
    """One recipient's line in the ledger, as staff read it."""

    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Delivery
        fields = ("user_id", "username", "email", "status", "attempts", "last_error", "sent_at")


class PreviewSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """A draft as the create form holds it; what makes it valid is decided by the api, as for creating."""

    subject = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="One line.")
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="The message as HTML.")


class RenderedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    subject = serializers.CharField()
    html = serializers.CharField(help_text="The HTML body exactly as the requester would receive it.")


class DeliveriesView(CourseView, ListAPIView):
    """Per-recipient status of one send, for following it or chasing its failures."""

    serializer_class = DeliverySerializer
    pagination_class = CoursePagination

    @extend_schema(
        summary="Per-recipient status of one email's send",
        parameters=[EMAIL_ID, OpenApiParameter(
            "status", str, enum=[value for value, _label in Delivery.STATUS_CHOICES],
            description="Only recipients in this status.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        email = find_course_email(self.course_key, self.kwargs["email_id"])
        rows = Delivery.objects.filter(task__email=email).select_related("user").order_by("id")
        status = self.request.query_params.get("status")
        return rows if status is None else rows.filter(status=_valid_status(status))


def _valid_status(status):
    statuses = [value for value, _label in Delivery.STATUS_CHOICES]
    if status not in statuses:
        raise ValidationError({"status": _("Must be one of: {statuses}.").format(statuses=", ".join(statuses))})
    return status


class CsvView(CourseView):
    """A course-scoped CSV download; errors before the download starts are still JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    def stream(self, filename, header, rows):
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class DeliveriesCsvView(CsvView):
    """The per-recipient status of one send, as a spreadsheet."""

    @extend_schema(summary="Per-recipient status of one email's send, as CSV", parameters=[EMAIL_ID],
                   responses=CSV_RESPONSE)
    def get(self, request, course_id, email_id):  # pylint: disable=unused-argument
        email = find_course_email(self.course_key, email_id)
        header = [_("User id"), _("Username"), _("Email address"), _("Status"), _("Attempts"),
                  _("Last error"), _("Sent at")]
        columns = ("id", "user_id", "user__username", "user__email", "status", "attempts", "last_error", "sent_at")
        ledger = Delivery.objects.filter(task__email=email).values_list(*columns)
        rows = ([*row[1:7], _iso(row[7])] for row in in_id_chunks(ledger))
        return self.stream(f"email-{email.id}-deliveries.csv", header, rows)


class HistoryCsvView(CsvView):
    """Every send of the course, one line each: the email task history report."""

    @extend_schema(summary="Email task history report of the course, as CSV", responses=CSV_RESPONSE)
    def get(self, request, course_id):  # pylint: disable=unused-argument
        header = [_("Email id"), _("Requester"), _("Subject"), _("Send to"), _("Created"), _("Due"), _("Started"),
                  _("Finished"), _("State"), _("Total"), _("Sent"), _("Failed"), _("Skipped"),
                  _("Suppressed"), _("Not sent (stopped)"), _("Duration (seconds)")]
        tasks = SendTask.objects.filter(email__course_id=self.course_key).exclude(state=SendTask.DRAFT).select_related(
            "email", "email__sender")
        presenter = EmailPresenter(self.course_key)
        rows = (history_row(task, presenter) for task in in_id_chunks(tasks))
        return self.stream(f"{self.course_key.course}-email-history.csv", header, rows)


def history_row(task, presenter):
    """One send in the history report, its selection in words; a running send shows its live counts."""
    email = task.email
    counts = api.counts(task)
    duration = ""
    if task.started_at and task.finished_at:
        duration = round((task.finished_at - task.started_at).total_seconds())
    return [
        email.id, email.sender.username if email.sender else "", email.subject, presenter.describe(email),
        _iso(email.created),
        _iso(task.due), _iso(task.started_at), _iso(task.finished_at), task.state,
        counts["total"], counts["sent"], counts["failed"], counts["skipped"], counts["suppressed"],
        counts["cancelled"], duration,
    ]


class PreviewView(CourseView):
    """The message rendered for the requester exactly as it would be sent to them, unsent."""

    @extend_schema(summary="Render a draft for the requester without sending it",
                   request=PreviewSerializer, responses=RenderedSerializer)
    def post(self, request, course_id):  # pylint: disable=unused-argument
        draft = PreviewSerializer(data=request.data)
        draft.is_valid(raise_exception=True)
        subject, body = draft.validated_data["subject"], draft.validated_data["body"]
        try:
            # A preview has no recipients; "myself" is the one selection that is always valid.
            api.validate_content(self.course_key, subject, body, [PREVIEW_TARGET], request.user)
        except api.EmailInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        email = CourseEmail(course_id=self.course_key, sender=request.user, subject=subject, html_message=body)
        subject, html = render_preview(email, request.user, self.course)
        return Response({"subject": subject, "html": html})


def in_id_chunks(queryset, size=CSV_CHUNK):
    """
    Every row of ``queryset`` in id order, fetched ``size`` rows at a time.

    Keyset chunks rather than ``iterator()``: MySQL drivers buffer a whole result set
    client-side, so only a bounded query keeps memory flat there.
    """
    last_id = 0
    while True:
        chunk = list(queryset.filter(id__gt=last_id).order_by("id")[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last_id = chunk[-1][0] if isinstance(chunk[-1], tuple) else chunk[-1].id


class _Line:
    """A file-like object whose write hands back the line, so csv.writer can feed a stream."""

    def write(self, line):
        return line


def csv_lines(header, rows):
    """The CSV text of ``header`` and ``rows``, line by line, safe to open in a spreadsheet."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def spreadsheet_safe(cell):
    """
    ``cell``, defused if a spreadsheet would read it as a formula (CSV injection).

    Subjects, usernames and SMTP errors come from people; a leading quote makes a
    spreadsheet show ``=HYPERLINK(...)`` as text instead of running it.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def _iso(moment):
    return utc_text(moment) or ""
