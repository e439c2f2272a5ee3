"""
Writing Tutor config values as lines of the LMS settings module.
"""
import pytest
from tutor.exceptions import TutorError

from tutorbulkmail.lms_settings import python_literal, setting_name


@pytest.mark.parametrize("value", [None, 14, 2.5, True, "it's", ["a", 1], {"key": [None]}])
def test_literal_reads_back_as_the_same_value(value):
    assert eval(python_literal(value), {}) == value  # pylint: disable=eval-used


def test_value_without_a_python_literal_is_refused():
    with pytest.raises(TutorError):
        python_literal({"when": object()})


@pytest.mark.parametrize("name", ["FROM_EMAIL", "BULKMAIL_FROM_EMAIL"])
def test_setting_name_gets_the_prefix_once(name):
    assert setting_name(name) == "BULKMAIL_FROM_EMAIL"


@pytest.mark.parametrize("name", ["from_email", "FROM EMAIL", "NO-DASH", 3])
def test_names_that_are_no_setting_names_are_refused(name):
    with pytest.raises(TutorError):
        setting_name(name)
