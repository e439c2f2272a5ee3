"""
The ACE policy that keeps course mail from learners who opted out of that course.

Registered as the ``bulkmail_course_optout`` entry point of ``openedx.ace.policy``. It is
asked right before each message is rendered, so a learner who opts out in the middle of a
long send gets nothing after that moment.
"""
from edx_ace.channel import ChannelType
from edx_ace.policy import Policy, PolicyResult
from opaque_keys.edx.keys import CourseKey

from .. import platform
from .message import APP_LABEL, MESSAGE_NAME


class CourseOptoutPolicy(Policy):
    """Denies email for a course message whose recipient turned that course's email off."""

    def check(self, message):
        if (message.app_label, message.name) != (APP_LABEL, MESSAGE_NAME) or message.recipient is None:
            return PolicyResult(deny=set())
        course_key = CourseKey.from_string(message.context["course_key"])
        if platform.is_opted_out(message.recipient.lms_user_id, course_key):
            return PolicyResult(deny={ChannelType.EMAIL})
        return PolicyResult(deny=set())
