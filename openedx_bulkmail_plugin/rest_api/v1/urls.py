"""
Version 1 of the REST API.
"""
from django.urls import re_path

from . import emails, learner_views, recipient_views, report_views, schema

COURSE = r"^courses/(?P<course_id>[^/]+)/"

urlpatterns = [
    re_path(COURSE + r"groups/$", recipient_views.GroupsView.as_view(), name="groups"),
    re_path(COURSE + r"recipients/$", recipient_views.RecipientsView.as_view(), name="recipients"),
    re_path(COURSE + r"recipients/count/$", recipient_views.RecipientCountView.as_view(), name="recipient-count"),
    re_path(COURSE + r"emails/$", emails.EmailsView.as_view(), name="emails"),
    re_path(COURSE + r"emails/(?P<email_id>\d+)/$", emails.EmailDetailView.as_view(), name="email-detail"),
    re_path(COURSE + r"emails/(?P<email_id>\d+)/cancel/$", emails.EmailCancelView.as_view(), name="email-cancel"),
    re_path(COURSE + r"emails/history\.csv$", report_views.HistoryCsvView.as_view(), name="email-history-csv"),
    re_path(COURSE + r"emails/(?P<email_id>[0-9]+)/deliveries/$", report_views.DeliveriesView.as_view(),
            name="email-deliveries"),
    re_path(COURSE + r"emails/(?P<email_id>[0-9]+)/deliveries\.csv$", report_views.DeliveriesCsvView.as_view(),
            name="email-deliveries-csv"),
    re_path(COURSE + r"preview/$", report_views.PreviewView.as_view(), name="preview"),
    re_path(COURSE + r"optout/$", learner_views.OptoutView.as_view(), name="optout"),
    re_path(r"^schema/$", schema.SchemaView.as_view(), name="schema"),
]
