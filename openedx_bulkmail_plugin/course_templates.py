"""
Course templates: named subjects and bodies a course team starts new emails from.

    create_template(course, author, name, subject, body)
    edit_template(template, editor, name=..., subject=..., body=...)   rename or rewrite it
    delete_template(template)
    export_templates(course)                        the course's templates as one JSON document
    import_templates(course, author, document, replace=False)   -> created, replaced, skipped

Starting an email from a template copies its subject and body into the new email; nothing
links the email back, so changing or deleting a template never changes an email made
from it. A name is unique in its course without regard to case, as MySQL compares names
anyway: SQLite is made to agree rather than let a course keep "Welcome" and "welcome".
"""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import TemplateInvalid
from .models import CourseTemplate
from .validation import storable_problems

MAX_NAME_LENGTH = 100
MAX_TEMPLATES = 100
EXPORT_FORMAT = "openedx-bulkmail-templates"
EXPORT_VERSION = 1
ENTRY_FIELDS = ("name", "subject", "body")


def create_template(course_key, author, name, subject="", body=""):
    """
    Save a new template of ``course_key``.

    Raises:
        TemplateInvalid: a bad or taken ``name`` (the message names it), a subject or body
        too large, or a course that already keeps MAX_TEMPLATES templates.
    """
    name = _checked(course_key, name, subject, body)
    if CourseTemplate.objects.filter(course_id=course_key).count() >= MAX_TEMPLATES:
        raise TemplateInvalid({"detail": _too_many()})
    try:
        with transaction.atomic():
            return CourseTemplate.objects.create(
                course_id=course_key, name=name, subject=subject, body=body, modified_by=author)
    except IntegrityError:
        raise TemplateInvalid({"name": _name_taken(name)}) from None


def edit_template(template, editor, name=None, subject=None, body=None):
    """
    Rename a template and/or change its subject or body; None leaves that part as it is.

    Raises:
        TemplateInvalid: as :func:`create_template`.
    """
    new_name = template.name if name is None else name
    new_subject = template.subject if subject is None else subject
    new_body = template.body if body is None else body
    template.name = _checked(template.course_id, new_name, new_subject, new_body, template_id=template.pk)
    template.subject, template.body, template.modified_by = new_subject, new_body, editor
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise TemplateInvalid({"name": _name_taken(template.name)}) from None
    return template


def delete_template(template):
    """Delete a template; the emails made from it keep their subject and body."""
    template.delete()


def export_templates(course_key, now=None):
    """
    The course's templates as a JSON-ready document that :func:`import_templates` reads back.

    ``{"format", "version", "course_id", "exported", "templates": [{"name", "subject", "body"}]}``
    """
    templates = CourseTemplate.objects.filter(course_id=course_key).order_by("name", "id")
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "course_id": str(course_key),
        "exported": (now or timezone.now()).isoformat(),
        "templates": [{"name": t.name, "subject": t.subject, "body": t.body} for t in templates],
    }


def import_templates(course_key, author, document, replace=False):
    """
    Add the templates of an exported document to ``course_key``, all of them or none.

    A template whose name the course already uses is skipped, or with ``replace`` its
    subject and body replace the existing one's.

    Returns:
        dict: ``{"created": [names], "replaced": [names], "skipped": [names]}``.
    Raises:
        TemplateInvalid: under ``detail`` for a document that is not an export, under
        ``templates`` one message per bad entry, naming its position and name.
    """
    entries = read_document(document)
    answer = {"created": [], "replaced": [], "skipped": []}
    with transaction.atomic():
        existing = {template.name.lower(): template for template in CourseTemplate.objects.filter(
            course_id=course_key).select_for_update()}
        new = [entry for entry in entries if entry["name"].lower() not in existing]
        if len(existing) + len(new) > MAX_TEMPLATES:
            raise TemplateInvalid({"detail": _too_many()})
        for entry in entries:
            current = existing.get(entry["name"].lower())
            if current is None:
                CourseTemplate.objects.create(course_id=course_key, modified_by=author, **entry)
                answer["created"].append(entry["name"])
            elif replace:
                current.subject, current.body, current.modified_by = entry["subject"], entry["body"], author
                current.save()
                answer["replaced"].append(current.name)
            else:
                answer["skipped"].append(current.name)
    return answer


def read_document(document):
    """
    The entries of an exported document, checked: ``[{"name", "subject", "body"}]``.

    Raises:
        TemplateInvalid: as :func:`import_templates`.
    """
    if not isinstance(document, dict) or not isinstance(document.get("templates"), list):
        raise TemplateInvalid({"detail": _(
            "This is not a file of email templates: expected a JSON object with a list under \"templates\".")})
    if document.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise TemplateInvalid({"detail": _("This file is not an export of email templates.")})
    if document.get("version", EXPORT_VERSION) != EXPORT_VERSION:
        raise TemplateInvalid({"detail": _(
            "This file has format version {found}; this site reads version {known}.").format(
                found=document.get("version"), known=EXPORT_VERSION)})
    entries = document["templates"]
    if len(entries) > MAX_TEMPLATES:
        raise TemplateInvalid({"detail": _too_many(len(entries))})
    problems, seen, checked = [], set(), []
    for number, entry in enumerate(entries, start=1):
        entry_problems = _entry_problems(entry)
        name = entry.get("name") if isinstance(entry, dict) else None
        if not entry_problems and name.strip().lower() in seen:
            entry_problems = [_("the name “{name}” appears more than once in the file.").format(name=name)]
        if entry_problems:
            problems.extend(_("Template {number}: {problem}").format(number=number, problem=problem)
                            for problem in entry_problems)
            continue
        seen.add(name.strip().lower())
        checked.append({"name": name.strip(), "subject": entry.get("subject", ""), "body": entry.get("body", "")})
    if problems:
        raise TemplateInvalid({"templates": problems})
    return checked


def _entry_problems(entry):
    """What is wrong with one entry of a document, in words; empty when it can be imported."""
    if not isinstance(entry, dict):
        return [_("expected an object with a name, a subject and a body.")]
    problems = [_("unknown field “{field}”.").format(field=field)
                for field in entry if field not in ENTRY_FIELDS]
    name_problem = _name_problem(entry.get("name"))
    if name_problem:
        problems.append(name_problem)
    for field in ("subject", "body"):
        if not isinstance(entry.get(field, ""), str):
            problems.append(_("the {field} must be text.").format(field=field))
    if not problems:
        problems.extend(storable_problems(entry.get("subject", ""), entry.get("body", "")).values())
    return problems


def _checked(course_key, name, subject, body, template_id=None):
    """The name, trimmed, once it, the subject and the body can be kept; else TemplateInvalid naming each."""
    errors = storable_problems(subject, body)
    problem = _name_problem(name)
    if problem:
        errors["name"] = problem
    else:
        name = name.strip()
        taken = CourseTemplate.objects.filter(course_id=course_key, name__iexact=name).exclude(pk=template_id)
        if taken.exists():
            errors["name"] = _name_taken(name)
    if errors:
        raise TemplateInvalid(errors)
    return name


def _name_problem(name):
    if not isinstance(name, str) or not name.strip():
        return _("Give the template a name.")
    if len(name.strip()) > MAX_NAME_LENGTH:
        return _("A template name can have at most {limit} characters.").format(limit=MAX_NAME_LENGTH)
    if "\r" in name or "\n" in name:
        return _("A template name must be one line.")
    return None


def _name_taken(name):
    return _("A template named “{name}” already exists in this course.").format(name=name)


def _too_many(count=None):
    if count is not None:
        return _("The file has {count} templates; a course keeps at most {limit}.").format(
            count=count, limit=MAX_TEMPLATES)
    return _("A course keeps at most {limit} templates: delete some first.").format(limit=MAX_TEMPLATES)
