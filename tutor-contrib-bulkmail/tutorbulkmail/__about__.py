"""
Versions, in one place: this Tutor plugin's own, and the LMS plugin release it installs.
"""

__version__ = "0.1.0"

# The openedx-bulkmail-plugin release this Tutor plugin was written and tested against.
OPENEDX_PLUGIN_RELEASE = "0.1.0"
