"""
A stand-in LMS for development, tests and the demo. Never installed into a real LMS.
"""
from .celery import app as celery_app

__all__ = ("celery_app",)
