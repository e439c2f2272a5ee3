"""
Django admin for course emails, their sends, the ledger and course authorizations.
"""
from django.contrib import admin

from .models import Batch, CourseAuthorization, CourseEmail, Delivery, SendTask


class SendTaskInline(admin.StackedInline):
    model = SendTask
    extra = 0
    readonly_fields = (
        "state", "due", "started_at", "finished_at", "total", "sent", "failed", "skipped", "suppressed",
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
                    "suppressed")
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
