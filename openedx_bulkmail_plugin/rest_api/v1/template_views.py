"""
A course's email templates: list, create, read, rename or rewrite, delete; export them all
as a JSON file and import such a file into a course.

The views only translate HTTP to :mod:`openedx_bulkmail_plugin.api` and back; a refused
template answers 400 naming the field (a name already in use is named in the message).
"""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ... import api
from ...course_templates import MAX_NAME_LENGTH, MAX_TEMPLATES
from ...models import CourseTemplate
from .base import MAX_ID_DIGITS, CoursePagination, CourseView, extend_schema
from .serializers import AuthorSerializer, StrictSerializer, person_json, utc_text

TEMPLATE_ID = OpenApiParameter("template_id", int, OpenApiParameter.PATH)
ON_CONFLICT = ("skip", "replace")


class TemplatePagination(CoursePagination):
    """One page holds every template a course may keep."""

    page_size = MAX_TEMPLATES
    max_page_size = MAX_TEMPLATES


class TemplateWriteSerializer(StrictSerializer):  # pylint: disable=abstract-method
    name = serializers.CharField(
        allow_blank=True, trim_whitespace=False,
        help_text=f"Unique in the course (without regard to case); one line, at most {MAX_NAME_LENGTH} characters.")
    subject = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False, default="")
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False, default="",
                                 help_text="HTML.")


class TemplateEditSerializer(TemplateWriteSerializer):  # pylint: disable=abstract-method
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    subject = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"detail": _("Give at least one of name, subject or body.")})
        return attrs


class TemplateSummarySerializer(serializers.Serializer):  # pylint: disable=abstract-method
    id = serializers.IntegerField()
    name = serializers.CharField()
    subject = serializers.CharField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    modified_by = AuthorSerializer(allow_null=True, help_text="Who saved it last.")


class TemplateSerializer(TemplateSummarySerializer):  # pylint: disable=abstract-method
    body = serializers.CharField()


class TemplatePageSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TemplateSummarySerializer(many=True, help_text="Without their bodies: read one template for its body.")


class ImportAnswerSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    created = serializers.ListField(child=serializers.CharField(), help_text="Names of the templates added.")
    replaced = serializers.ListField(child=serializers.CharField(),
                                     help_text="Names whose subject and body were replaced (on_conflict=replace).")
    skipped = serializers.ListField(child=serializers.CharField(),
                                    help_text="Names already in use in the course, left as they were.")


def template_json(template, with_body=True):
    answer = {
        "id": template.pk, "name": template.name, "subject": template.subject,
        "created": utc_text(template.created), "modified": utc_text(template.modified),
        "modified_by": person_json(template.modified_by),
    }
    if with_body:
        answer["body"] = template.body
    return answer


def find_template(course_key, template_id):
    """The course's template with this id, or a 404 (an id of another course is not found either)."""
    template_id = str(template_id)
    template = None
    if template_id.isascii() and template_id.isdigit() and len(template_id) <= MAX_ID_DIGITS:
        template = CourseTemplate.objects.filter(
            id=int(template_id), course_id=course_key).select_related("modified_by").first()
    if template is None:
        raise NotFound(_("This course has no template {template_id}.").format(template_id=template_id))
    return template


def valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TemplatesView(CourseView):
    """The course's templates by name, and the saving of a new one."""

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=TemplatePageSerializer, summary="The course's templates, by name")
    def get(self, request, course_id):  # pylint: disable=unused-argument
        templates = CourseTemplate.objects.filter(course_id=self.course_key).select_related("modified_by")
        pagination = TemplatePagination()
        page = pagination.paginate_queryset(templates.order_by("name", "id"), request, view=self)
        return pagination.get_paginated_response([template_json(template, with_body=False) for template in page])

    @extend_schema(request=TemplateWriteSerializer, responses={201: TemplateSerializer},
                   summary="Save a subject and body as a named template")
    def post(self, request, course_id):  # pylint: disable=unused-argument
        data = valid(TemplateWriteSerializer, request)
        try:
            template = api.create_template(self.course_key, request.user, data["name"], data["subject"], data["body"])
        except api.TemplateInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response(template_json(template), status=status.HTTP_201_CREATED)


class TemplateDetailView(CourseView):
    """One template: read it (with its body), rename or rewrite it, delete it."""

    @extend_schema(parameters=[TEMPLATE_ID], responses=TemplateSerializer, summary="One template, with its body")
    def get(self, request, course_id, template_id):  # pylint: disable=unused-argument
        return Response(template_json(find_template(self.course_key, template_id)))

    @extend_schema(parameters=[TEMPLATE_ID], request=TemplateEditSerializer, responses=TemplateSerializer,
                   summary="Rename a template or change its subject or body")
    def patch(self, request, course_id, template_id):  # pylint: disable=unused-argument
        template = find_template(self.course_key, template_id)
        data = valid(TemplateEditSerializer, request)
        try:
            api.edit_template(template, request.user, **data)
        except api.TemplateInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response(template_json(find_template(self.course_key, template.pk)))

    @extend_schema(parameters=[TEMPLATE_ID], responses={204: None},
                   summary="Delete a template; emails made from it are unchanged")
    def delete(self, request, course_id, template_id):  # pylint: disable=unused-argument
        api.delete_template(find_template(self.course_key, template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplatesExportView(CourseView):
    """Every template of the course as one JSON file, to import into another course or site."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Export the course's templates as a JSON file")
    def get(self, request, course_id):  # pylint: disable=unused-argument
        response = Response(api.export_templates(self.course_key))
        response["Content-Disposition"] = f'attachment; filename="{self.course_key.course}-email-templates.json"'
        return response


class TemplatesImportView(CourseView):
    """Add the templates of an exported file to this course, all of them or none."""

    @extend_schema(
        parameters=[OpenApiParameter("on_conflict", str, enum=ON_CONFLICT, description=(
            "What to do with a template whose name the course already uses: skip it (the default) "
            "or replace its subject and body."))],
        request=OpenApiTypes.OBJECT, responses=ImportAnswerSerializer,
        summary="Import templates from an exported JSON file",
    )
    def post(self, request, course_id):  # pylint: disable=unused-argument
        on_conflict = request.query_params.get("on_conflict", "skip")
        if on_conflict not in ON_CONFLICT:
            raise ValidationError({"on_conflict": [_("Must be skip or replace.")]})
        try:
            answer = api.import_templates(self.course_key, request.user, request.data,
                                          replace=on_conflict == "replace")
        except api.TemplateInvalid as invalid:
            raise ValidationError(invalid.errors) from invalid
        return Response(answer)
