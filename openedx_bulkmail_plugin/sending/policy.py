"""
The ACE policy that keeps course mail from learners who opted out of that course.

Registered as the ``bulkmail_course_optout`` entry point of ``openedx.ace.policy``. ACE asks
it before each message is rendered. Outside a batch it reads the platform's opt-outs; a
batch reads them for all its learners at once, every few seconds, and lends this policy
what it found (:func:`known_opt_outs`), so a long send costs no query per message and a
learner who opts out mid-send gets nothing once the batch's next check has run.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from edx_ace.channel import ChannelType
from edx_ace.policy import Policy, PolicyResult
from opaque_keys.edx.keys import CourseKey

from .. import platform
from .message import APP_LABEL, MESSAGE_NAME

_batch_opt_outs = ContextVar("bulkmail_batch_opt_outs", default=None)


@contextmanager
def known_opt_outs(course_key, user_ids):
    """Within this block, ``user_ids`` (a set the batch keeps up to date) are who opted out of ``course_key``."""
    token = _batch_opt_outs.set((str(course_key), user_ids))
    try:
        yield
    finally:
        _batch_opt_outs.reset(token)


class CourseOptoutPolicy(Policy):
    """Denies email for a course message whose recipient turned that course's email off."""

    def check(self, message):
        if (message.app_label, message.name) != (APP_LABEL, MESSAGE_NAME) or message.recipient is None:
            return PolicyResult(deny=set())
        if self._opted_out(message.context["course_key"], message.recipient.lms_user_id):
            return PolicyResult(deny={ChannelType.EMAIL})
        return PolicyResult(deny=set())

    @staticmethod
    def _opted_out(course_key, user_id):
        known = _batch_opt_outs.get()
        if known is not None and known[0] == course_key:
            return user_id in known[1]
        return platform.is_opted_out(user_id, CourseKey.from_string(course_key))
