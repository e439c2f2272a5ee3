"""
Turning Tutor configuration values into lines of the LMS settings module.

The LMS settings file Tutor renders is Python, and the values come from YAML: writing
them with ``repr`` keeps ``None``, numbers and quotes right where a bare ``{{ value }}``
would write ``none``-like or unquoted text.
"""
from tutor.exceptions import TutorError

PREFIX = "BULKMAIL_"
LITERAL_TYPES = (str, int, float, bool, type(None), list, tuple, dict)


def python_literal(value):
    """Write a YAML value as the Python literal that means the same."""
    if not isinstance(value, LITERAL_TYPES):
        raise TutorError(f"Cannot write {value!r} into the LMS settings")
    if isinstance(value, (list, tuple)):
        for item in value:
            python_literal(item)
    if isinstance(value, dict):
        for key, item in value.items():
            python_literal(key)
            python_literal(item)
    return repr(value)


def setting_name(name):
    """
    The LMS setting an entry of ``BULKMAIL_EXTRA_SETTINGS`` sets.

    Operators may write the name with or without the ``BULKMAIL_`` prefix; either way it
    names one of the plugin's settings.
    """
    if not isinstance(name, str):
        raise TutorError(f"BULKMAIL_EXTRA_SETTINGS keys must be setting names, not {name!r}")
    full_name = name if name.startswith(PREFIX) else PREFIX + name
    if not full_name.isidentifier() or full_name != full_name.upper():
        raise TutorError(
            f"BULKMAIL_EXTRA_SETTINGS key {name!r} is not a setting name "
            "(upper case letters, digits and underscores, such as FROM_EMAIL)"
        )
    return full_name
