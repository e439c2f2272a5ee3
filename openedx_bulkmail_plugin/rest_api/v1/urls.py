"""
Version 1 of the REST API.
"""
from django.urls import re_path

from . import draft_views, emails, learner_views, recent_views, recipient_views, report_views, schema, template_views

COURSE = r"^courses/(?P<course_id>[^/]+)/"

urlpatterns = [
    re_path(COURSE + r"groups/$", recipient_views.GroupsView.as_view(), name="groups"),
    re_path(COURSE + r"recipients/$", recipient_views.RecipientsView.as_view(), name="recipients"),
    re_path(COURSE + r"recipients/count/$", recipient_views.RecipientCountView.as_view(), name="recipient-count"),
    re_path(COURSE + r"recipients/recent/$", recent_views.RecentEmailsView.as_view(), name="recipients-recent"),
    re_path(COURSE + r"emails/$", emails.EmailsView.as_view(), name="emails"),
    re_path(COURSE + r"emails/check/$", emails.EmailCheckView.as_view(), name="email-check"),
    re_path(COURSE + r"emails/(?P<email_id>\d+)/$", emails.EmailDetailView.as_view(), name="email-detail"),
    re_path(COURSE + r"emails/(?P<email_id>\d+)/cancel/$", emails.EmailCancelView.as_view(), name="email-cancel"),
    re_path(COURSE + r"emails/(?P<email_id>\d+)/send/$", draft_views.EmailSendView.as_view(), name="email-send"),
    re_path(COURSE + r"emails/history\.csv$", report_views.HistoryCsvView.as_view(), name="email-history-csv"),
    re_path(COURSE + r"emails/(?P<email_id>[0-9]+)/deliveries/$", report_views.DeliveriesView.as_view(),
            name="email-deliveries"),
    re_path(COURSE + r"emails/(?P<email_id>[0-9]+)/deliveries\.csv$", report_views.DeliveriesCsvView.as_view(),
            name="email-deliveries-csv"),
    re_path(COURSE + r"preview/$", report_views.PreviewView.as_view(), name="preview"),
    re_path(COURSE + r"templates/$", template_views.TemplatesView.as_view(), name="templates"),
    re_path(COURSE + r"templates/(?P<template_id>\d+)/$", template_views.TemplateDetailView.as_view(),
            name="template-detail"),
    re_path(COURSE + r"templates/export\.json$", template_views.TemplatesExportView.as_view(),
            name="templates-export"),
    re_path(COURSE + r"templates/import/$", template_views.TemplatesImportView.as_view(), name="templates-import"),
    re_path(COURSE + r"optout/$", learner_views.OptoutView.as_view(), name="optout"),
    re_path(r"^schema/$", schema.SchemaView.as_view(), name="schema"),
]
