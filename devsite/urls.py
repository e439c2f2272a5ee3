"""
URLs of the dev site; the plugin's own URLs are mounted the way the LMS mounts plugin URLs.
"""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from edx_django_utils.plugins import get_plugin_url_patterns

from devsite.demo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="demo/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("courses/<str:course_id>/course/", views.course_home, name="course-home"),
    path("mailbox/", views.mailbox_list, name="mailbox"),
    path("mailbox/<str:key>/", views.mailbox_message, name="mailbox-message"),
    path("admin/", admin.site.urls),
]
urlpatterns.extend(get_plugin_url_patterns("lms.djangoapp"))
