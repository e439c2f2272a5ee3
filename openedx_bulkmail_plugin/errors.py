"""
What the public API refuses, named for what the caller should tell the instructor.
"""
from django.utils.translation import gettext as _


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
