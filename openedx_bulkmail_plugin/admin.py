"""
Django admin for course emails, their sends, the ledger, course authorizations and the suppression list.
"""
from django import forms
from django.contrib import admin

from .deliverability.suppressions import normalise
from .models import Batch, CourseAuthorization, CourseEmail, Delivery, ProviderEvent, SendTask, Suppression


class SendTaskInline(admin.StackedInline):
    model = SendTask
    extra = 0
    readonly_fields = (
        "state", "due", "started_at", "finished_at", "total", "sent", "failed", "skipped", "suppressed", "cancelled",
        "failure_reason",
    )
    can_delete = False


@admin.register(CourseEmail)
class CourseEmailAdmin(admin.ModelAdmin):
    list_display = ("id", "course_id", "subject", "sender", "created")
    list_filter = ("created",)
    search_fields = ("course_id", "subject", "sender__username")
    raw_id_fields = ("sender",)
    inlines = (SendTaskInline,)


@admin.register(SendTask)
class SendTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "state", "due", "started_at", "finished_at", "total", "sent", "failed", "skipped",
                    "suppressed", "cancelled")
    list_filter = ("state", "due", "finished_at")
    search_fields = ("email__course_id", "email__subject")
    raw_id_fields = ("email",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "user", "status", "attempts", "sent_at")
    list_filter = ("status", "attempts")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("task", "user")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "first_delivery_id", "last_delivery_id", "state", "attempts", "lease_expires")
    list_filter = ("state",)
    raw_id_fields = ("task",)


@admin.register(CourseAuthorization)
class CourseAuthorizationAdmin(admin.ModelAdmin):
    list_display = ("course_id", "email_enabled")
    list_filter = ("email_enabled",)
    search_fields = ("course_id",)


class SuppressionForm(forms.ModelForm):
    """An address typed by an operator is kept as every other: trimmed and in lower case."""

    class Meta:
        model = Suppression
        fields = ("address", "reason", "detail", "source", "created")

    def clean_address(self):
        return normalise(self.cleaned_data["address"])


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Search the list; delete an entry to mail that address again."""

    form = SuppressionForm
    list_display = ("address", "reason", "source", "created", "detail")
    list_filter = ("reason", "created")
    search_fields = ("address", "detail", "source")
    date_hierarchy = "created"

    def get_changeform_initial_data(self, request):
        return {"reason": Suppression.MANUAL, "source": f"admin:{request.user.get_username()}"[:64]}


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    """The providers' bounce and complaint reports, as received (read only)."""

    list_display = ("address", "kind", "provider", "occurred", "received", "detail")
    list_filter = ("kind", "provider")
    search_fields = ("address",)
    raw_id_fields = ("delivery",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
