"""
Filters narrow a selection to the learners who meet them: grade, passing, activity, enrollment date.

Every expectation is exact membership over tests/selection_population.py, on whichever
database the suite runs (SQLite by default, MariaDB with DATABASE_URL).
"""
import pytest

from openedx_bulkmail_plugin.recipients import InvalidFilter, recipients_queryset
from openedx_bulkmail_plugin.recipients.filters import describe_filters, filter_problems, validate_filters
from tests import factories as f
from tests import selection_population as population

pytestmark = pytest.mark.django_db

COURSE = f.COURSE_KEY


@pytest.fixture
def people():
    return population.build()


def reached(targets, filters, requester=None, individuals=()):
    queryset = recipients_queryset(COURSE, targets, requester, individuals, filters)
    return set(queryset.values_list("username", flat=True))


# Each filter on its own

@pytest.mark.parametrize(("key", "value"), sorted(population.EXPECTED, key=str), ids=str)
def test_filter_keeps_exactly_the_learners_who_meet_it(people, key, value):
    assert reached(["learners"], {key: value}) == population.EXPECTED[(key, value)]


def test_learner_who_passed_and_dropped_below_the_pass_mark_still_counts_as_passed(people):
    assert "passed_dropped" in reached(["learners"], {"passed": True})


def test_grade_exactly_at_the_threshold_is_at_least_and_not_below(people):
    assert "at_sixty" in reached(["learners"], {"grade_at_least": 60})
    assert "at_sixty" not in reached(["learners"], {"grade_below": 60})


def test_grade_in_another_course_does_not_count_here(people):
    assert "graded_elsewhere" in reached(["learners"], {"grade_below": 10})


def test_activity_in_another_course_does_not_count_here(people):
    assert "just_below" in reached(["learners"], {"never_started": True})


def test_old_activity_does_not_hide_recent_activity(people):
    assert "at_sixty" not in reached(["learners"], {"inactive_days": 14})


def test_grade_below_zero_keeps_nobody(people):
    assert reached(["learners"], {"grade_below": 0}) == set()


def test_grade_at_least_zero_keeps_everyone_including_the_ungraded(people):
    assert reached(["learners"], {"grade_at_least": 0}) == population.LEARNERS


def test_fractional_threshold_is_compared_in_percent(people):
    assert reached(["learners"], {"grade_at_least": 59.5}) == {"passed_high", "at_sixty"}


# Filters together

def test_all_given_filters_apply_together(people):
    assert reached(["learners"], {"passed": False, "grade_below": 60}) == {"just_below", "no_grade", "graded_elsewhere"}


def test_inactive_and_never_started_together(people):
    assert reached(["learners"], {"inactive_days": 14, "never_started": True}) == {"just_below", "no_grade"}


def test_grade_and_enrollment_date_together(people):
    assert reached(["learners"], {"grade_at_least": 60, "enrolled_within_days": 7}) == {"at_sixty"}


def test_filters_that_exclude_each_other_keep_nobody(people):
    assert reached(["learners"], {"passed": True, "never_started": True}) == set()


# Filters and groups

def test_staff_group_is_never_filtered(people):
    assert reached(["staff", "learners"], {"passed": True}) == {"staffer", "passed_high", "passed_dropped"}


def test_myself_is_never_filtered(people):
    assert reached(["myself"], {"passed": True}, requester=people["no_grade"]) == {"no_grade"}


def test_filters_still_leave_out_who_the_learner_rules_leave_out(people):
    assert reached(["learners"], {"never_started": True}).isdisjoint(
        {"dormant", "unactivated", "disabled", "opted_out", "unenrolled", "other_course"})


def test_counting_a_filtered_selection_is_one_query(people, django_assert_num_queries):
    recipients = recipients_queryset(COURSE, ["staff", "learners"], None, ["dormant"],
                                     {"passed": False, "inactive_days": 14, "enrolled_within_days": 30})
    with django_assert_num_queries(1):
        recipients.count()


def test_filters_on_a_course_without_grades_count_zero_passed():
    f.course(modes=("audit",))
    f.learner(username="fresh")
    assert reached(["learners"], {"passed": True}) == set()
    assert reached(["learners"], {"passed": False}) == {"fresh"}


# Checking filters

def test_known_filters_are_kept_in_documented_order():
    assert list(validate_filters({"never_started": True, "passed": False})) == ["passed", "never_started"]


@pytest.mark.parametrize(("filters", "key"), [
    ({"everyone": True}, "everyone"),
    ({"passed": "no"}, "passed"),
    ({"passed": 0}, "passed"),
    ({"grade_below": "60"}, "grade_below"),
    ({"grade_below": True}, "grade_below"),
    ({"grade_below": 101}, "grade_below"),
    ({"grade_at_least": -1}, "grade_at_least"),
    ({"inactive_days": 0}, "inactive_days"),
    ({"inactive_days": 3651}, "inactive_days"),
    ({"inactive_days": 14.5}, "inactive_days"),
    ({"enrolled_within_days": None}, "enrolled_within_days"),
    ({"never_started": False}, "never_started"),
])
def test_wrong_filter_is_refused_naming_its_key(filters, key):
    with pytest.raises(InvalidFilter) as error:
        validate_filters(filters)
    assert error.value.key == key


def test_every_wrong_filter_is_named_at_once():
    assert set(filter_problems({"passed": 1, "grade_below": 200, "colour": "blue"})) == {
        "passed", "grade_below", "colour"}


def test_filters_that_are_not_an_object_are_refused():
    assert set(filter_problems(["passed"])) == {"filters"}


def test_filters_read_as_plain_words():
    assert describe_filters(validate_filters({
        "passed": False, "grade_below": 60, "grade_at_least": 20, "inactive_days": 14, "never_started": True,
        "enrolled_within_days": 7})) == [
        "have not passed", "scored below 60%", "scored at least 20%", "have not been active for 14 days",
        "never started", "enrolled in the last 7 days"]
