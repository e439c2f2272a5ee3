"""
Tutor plugin that deploys openedx-bulkmail-plugin (course bulk email) on Open edX.
"""
