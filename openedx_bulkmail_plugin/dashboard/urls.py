"""
The instructor's Email page of a course.
"""
from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^courses/(?P<course_id>[^/]+)/$", views.email_page, name="email-page"),
]
