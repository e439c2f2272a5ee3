"""
Course bulk email for Open edX, as an LMS plugin.
"""

__version__ = "0.1.0"
