"""
The plugin's own records: what was written, its send, the per-recipient ledger, and its batches.

The platform's users, enrollments, roles and cohorts are never copied here; they are read
through :mod:`openedx_bulkmail_plugin.platform` when a send starts.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField


class CourseEmail(models.Model):
    """
    A message as its author wrote it, addressed to a selection of one course's people.

    The selection is stored as the instructor made it (groups, named learners, filters)
    and resolved into people only when the send starts.
    """

    course_id = CourseKeyField(max_length=255, db_index=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Who wrote and sent the message; kept empty if that account is deleted."),
    )
    subject = models.CharField(max_length=255)
    html_message = models.TextField()
    text_message = models.TextField(
        blank=True, help_text=_("Plain-text body; derived from the HTML when left empty."),
    )
    targets = models.JSONField(default=list, help_text=_("Recipient group keys, such as learners or cohort:Blue."))
    individuals = models.JSONField(
        default=list, blank=True, help_text=_("Usernames of learners named one by one, added to the groups."))
    filters = models.JSONField(
        default=dict, blank=True,
        help_text=_("Conditions every learner selected must meet, such as {\"passed\": false}."))
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Who saved it last (a draft is shared by the course team)."),
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text=_("Goes up by one at every save of a draft, so a save made from an older copy is refused."),
    )

    class Meta:
        ordering = ("-created",)

    def __str__(self):
        return f"{self.course_id}: {self.subject}"


class SendTask(models.Model):
    """
    The send of one :class:`CourseEmail`, in the workflow states of the Open edX guide.

    The ledger (:class:`Delivery`) is the truth about who got what; ``sent``, ``failed``,
    ``skipped``, ``suppressed`` and ``cancelled`` are the summary frozen when the send
    settles, so the history report needs no ledger scan.

    A DRAFT is an email written down but neither sent nor scheduled. The engine, the
    sweep and the scheduler each act only on the states they name, none of which is
    DRAFT, so a draft goes nowhere until :func:`.drafts.send_draft` moves it out of DRAFT.
    """

    DRAFT = "DRAFT"
    QUEUING = "QUEUING"
    PENDING = "PENDING"
    SCHEDULED = "SCHEDULED"
    STARTED = "STARTED"
    PROGRESS = "PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"
    STATE_CHOICES = (
        (DRAFT, _("Draft")),
        (QUEUING, _("Queuing")),
        (PENDING, _("Pending")),
        (SCHEDULED, _("Scheduled")),
        (STARTED, _("Started")),
        (PROGRESS, _("Progress")),
        (SUCCESS, _("Success")),
        (FAILURE, _("Failure")),
        (REVOKED, _("Revoked")),
    )
    RUNNING_STATES = (QUEUING, PENDING, STARTED, PROGRESS)
    FINISHED_STATES = (SUCCESS, FAILURE, REVOKED)

    email = models.OneToOneField(CourseEmail, on_delete=models.CASCADE, related_name="send_task")
    state = models.CharField(max_length=16, choices=STATE_CHOICES, default=QUEUING, db_index=True)
    due = models.DateTimeField(null=True, blank=True, db_index=True, help_text=_("When a scheduled send is due (UTC)."))
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(
        default=0, help_text=_("Recipients skipped because their address bounced or complained before."),
    )
    cancelled = models.PositiveIntegerField(
        default=0, help_text=_("Recipients never sent to because the send was stopped."),
    )
    failure_reason = models.TextField(blank=True)
    restarted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a sweep last queued the start of this send again."),
    )

    class Meta:
        ordering = ("-created",)

    def __str__(self):
        return f"send of {self.email_id} ({self.state})"

    @property
    def is_finished(self):
        return self.state in self.FINISHED_STATES


class CourseTemplate(models.Model):
    """
    A named subject and body a course team starts new emails from.

    Starting from a template copies its subject and body into the new email, so changing
    or deleting the template later never changes an email made from it.
    """

    course_id = CourseKeyField(max_length=255, db_index=True)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Who saved it last."),
    )

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=("course_id", "name"), name="bulkmail_one_template_name_per_course"),
        ]

    def __str__(self):
        return f"{self.course_id}: {self.name}"


class Delivery(models.Model):
    """
    One recipient of one send: the ledger row written before the first message leaves.

    A row is marked right after the mail server accepts its message, so a resumed send
    knows exactly who is still owed one.
    """

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    STATUS_CHOICES = (
        (QUEUED, _("Queued")),
        (SENT, _("Sent")),
        (FAILED, _("Failed")),
        (SKIPPED, _("Skipped")),
        (SUPPRESSED, _("Suppressed")),
        (CANCELLED, _("Not sent: the send was stopped")),
        (BOUNCED, _("Bounced")),
        (COMPLAINED, _("Complained")),
    )
    # Accepted by the mail server; the provider may report a bounce or a complaint later.
    ACCEPTED_STATUSES = (SENT, BOUNCED, COMPLAINED)

    id = models.BigAutoField(primary_key=True)
    task = models.ForeignKey(SendTask, on_delete=models.CASCADE, related_name="deliveries")
    # No database constraint (ADR 10): the ORM still deletes a deleted account's rows, and
    # the ledger's INSERT ... SELECT takes no lock on the learners' accounts.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             db_constraint=False)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=("task", "user"), name="bulkmail_one_delivery_per_recipient"),
        ]
        indexes = [models.Index(fields=("task", "status"), name="bulkmail_delivery_status")]

    def __str__(self):
        return f"{self.user_id} in send {self.task_id}: {self.status}"


class Batch(models.Model):
    """
    A range of ledger ids that one worker sends over one connection.

    A worker claims a batch with a conditional update and holds a lease that it renews;
    a batch whose lease ran out belonged to a worker that died and may be claimed again.
    """

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    STATE_CHOICES = ((PENDING, _("Pending")), (RUNNING, _("Running")), (DONE, _("Done")))

    task = models.ForeignKey(SendTask, on_delete=models.CASCADE, related_name="batches")
    first_delivery_id = models.BigIntegerField()
    last_delivery_id = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=STATE_CHOICES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    owner = models.CharField(max_length=64, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text=_("Retry backoff: not to be claimed before."))

    class Meta:
        verbose_name_plural = "batches"
        indexes = [models.Index(fields=("state", "lease_expires"), name="bulkmail_batch_lease")]

    def __str__(self):
        return f"batch {self.first_delivery_id}-{self.last_delivery_id} of send {self.task_id}"


class CourseAuthorization(models.Model):
    """
    An admin's permission for one course to send bulk email.

    Consulted only when BULKMAIL_REQUIRE_COURSE_AUTHORIZATION is True, for sites that
    enable bulk email course by course.
    """

    course_id = CourseKeyField(max_length=255, unique=True)
    email_enabled = models.BooleanField(default=True)

    def __str__(self):
        state = "enabled" if self.email_enabled else "disabled"
        return f"{self.course_id}: bulk email {state}"


class Suppression(models.Model):
    """
    An address no course mail goes to, because mailing it would hurt the site's sender reputation.

    Keyed by the address (trimmed, lower case), not the user: a learner who changes their
    address is mailed again at the new one. Written by a permanent SMTP refusal of the
    mailbox, by the mail provider's bounce and complaint reports, by an import or by hand;
    lifted only by an operator.
    """

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    SOFT_BOUNCES = "soft_bounces"
    MANUAL = "manual"
    REASON_CHOICES = (
        (HARD_BOUNCE, _("Hard bounce")),
        (COMPLAINT, _("Complaint")),
        (SOFT_BOUNCES, _("Repeated soft bounces")),
        (MANUAL, _("Added by an operator")),
    )

    address = models.CharField(max_length=254, unique=True, help_text=_("Trimmed and in lower case."))
    reason = models.CharField(max_length=16, choices=REASON_CHOICES)
    detail = models.TextField(blank=True, help_text=_("The mail server's or the provider's own words."))
    source = models.CharField(max_length=64, help_text=_("Who reported it: smtp, a provider's webhook, import, admin."))
    created = models.DateTimeField(default=timezone.now, db_index=True, help_text=_("When it was reported."))

    class Meta:
        ordering = ("-created",)

    def __str__(self):
        return f"{self.address} ({self.reason})"


class ProviderEvent(models.Model):
    """
    A bounce or complaint the mail provider reported through its webhook, kept once.

    ``key`` identifies the provider's event (its id, or a digest of its contents when the
    provider gives none), so a webhook the provider sends again writes nothing new. Soft
    bounces are counted from these rows.
    """

    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"
    KIND_CHOICES = (
        (HARD_BOUNCE, _("Hard bounce")),
        (SOFT_BOUNCE, _("Soft bounce")),
        (COMPLAINT, _("Complaint")),
    )

    key = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    address = models.CharField(max_length=254)
    detail = models.TextField(blank=True)
    occurred = models.DateTimeField(default=timezone.now)
    received = models.DateTimeField(auto_now_add=True)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=("address", "kind", "occurred"), name="bulkmail_event_address")]

    def __str__(self):
        return f"{self.kind} of {self.address} from {self.provider}"
