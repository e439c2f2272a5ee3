"""
Version 1 of the REST API.
"""
COURSE = r"^courses/(?P<course_id>[^/]+)/"

urlpatterns = []
