"""
What the public API refuses, named for what the caller should tell the instructor.
"""
from datetime import UTC

from django.utils.translation import gettext as _

from .platform import profile_name


class EmailInvalid(ValueError):
    """
    What an instructor wrote cannot be sent; ``errors`` maps each bad field to its message.

    Fields: ``subject``, ``body``, ``targets``, ``individuals``, ``filters`` (``{key: message}``),
    ``schedule``; ``not_found`` lists the named entries that match nobody in the course.
    """

    def __init__(self, errors):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class WrongState(Exception):
    """The send is not in a state that allows this action; ``state`` is the state it is in."""

    def __init__(self, state):
        super().__init__(_("Not possible while the email is in state {state}.").format(state=state))
        self.state = state


class DraftConflict(Exception):
    """
    A save of a draft made from an older copy: someone else saved it since.

    ``version``, ``modified_by`` (a User or None) and ``modified`` describe the draft as it
    is now, so the caller can say who changed it and when, and offer to reload it.
    """

    def __init__(self, version, modified_by, modified):
        who = _describe_person(modified_by)
        super().__init__(_("This draft was changed by {who} at {when}: reload it to see their changes.").format(
            who=who, when=modified.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")))
        self.version = version
        self.modified_by = modified_by
        self.modified = modified


def _describe_person(user):
    if user is None:
        return _("someone whose account no longer exists")
    return profile_name(user) or user.username


class TemplateInvalid(ValueError):
    """A template (or a file of templates) that cannot be saved; ``errors`` maps each bad field to its message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)
