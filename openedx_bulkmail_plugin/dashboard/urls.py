"""
The Email page and the one-click unsubscribe pages.
"""
urlpatterns = []
