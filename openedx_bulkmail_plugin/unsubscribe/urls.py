"""
The one-click unsubscribe pages (RFC 8058).
"""
urlpatterns = []
