"""
Named learners: found by exact username or by email address in any case, among the people
of the course; added to the groups; held to the account and opt-out rules but not to the
login cutoff; and what is not found is said, never silently dropped.
"""
import pytest

from openedx_bulkmail_plugin.models import CourseEmail
from openedx_bulkmail_plugin.recipients import (
    MAX_INDIVIDUALS,
    EmptySelection,
    InvalidIndividuals,
    SelectionInvalid,
    for_email,
    preview,
    recipients_queryset,
    validate_selection,
)
from openedx_bulkmail_plugin.recipients.individuals import clean_entries, resolve
from tests import factories as f
from tests import selection_population as population

pytestmark = pytest.mark.django_db

COURSE = f.COURSE_KEY


@pytest.fixture
def people():
    return population.build()


def reached(targets=(), individuals=(), filters=None):
    return set(recipients_queryset(COURSE, list(targets), None, individuals, filters).values_list(
        "username", flat=True))


# Finding people

def test_username_is_matched_exactly(people):
    assert resolve(COURSE, ["no_grade", "No_Grade"]).not_found == ["No_Grade"]


def test_email_address_is_matched_in_any_case(people):
    assert resolve(COURSE, ["NO_GRADE@Example.COM"]).usernames == ["no_grade"]


def test_username_and_address_of_one_person_resolve_to_them_once(people):
    assert resolve(COURSE, ["no_grade", "no_grade@example.com"]).usernames == ["no_grade"]


def test_course_staff_who_is_not_enrolled_can_be_named(people):
    assert resolve(COURSE, ["staffer"]).usernames == ["staffer"]


@pytest.mark.parametrize("entry", ["unenrolled", "other_course", "nobody_at_all", "nobody@example.com"])
def test_people_outside_the_course_are_not_found(people, entry):
    assert resolve(COURSE, [entry]).not_found == [entry]


def test_entries_are_trimmed_and_blank_ones_dropped():
    assert clean_entries(["  ann ", "", "   ", "ann", "bob"]) == ["ann", "bob"]


def test_more_than_the_limit_is_refused():
    with pytest.raises(InvalidIndividuals):
        clean_entries([f"user{number}" for number in range(MAX_INDIVIDUALS + 1)])


def test_exactly_the_limit_is_accepted():
    assert len(clean_entries([f"user{number}" for number in range(MAX_INDIVIDUALS)])) == MAX_INDIVIDUALS


def test_entries_that_are_not_texts_are_refused():
    with pytest.raises(InvalidIndividuals):
        clean_entries(["ann", 7])


# Who named people reach

def test_named_learners_are_added_to_the_groups_each_once(people):
    assert reached(["staff"], ["no_grade", "staffer"]) == {"staffer", "no_grade"}


def test_named_learner_is_reached_despite_the_login_cutoff(people):
    assert reached(individuals=["dormant"]) == {"dormant"}
    assert "dormant" not in reached(["learners"])


@pytest.mark.parametrize("username", ["unactivated", "disabled", "opted_out"])
def test_account_and_opt_out_rules_still_apply_to_named_learners(people, username):
    assert reached(individuals=[username]) == set()


def test_named_learner_who_left_the_course_since_reaches_nobody(people):
    assert reached(individuals=["unenrolled"]) == set()


def test_filters_narrow_named_learners_too(people):
    assert reached(individuals=["passed_high", "no_grade"], filters={"passed": True}) == {"passed_high"}


def test_filters_narrow_named_course_staff_too(people):
    assert reached(individuals=["staffer"], filters={"passed": True}) == set()


def test_named_learners_and_learner_groups_are_filtered_together(people):
    assert reached(["learners"], ["dormant"], {"never_started": True}) == {"just_below", "no_grade", "dormant"}


# Validating a selection with named learners

def test_selection_of_only_named_learners_is_valid(people):
    selection = validate_selection(COURSE, [], ["no_grade@example.com", "dormant"], None)
    assert (selection.targets, selection.individuals) == ([], ["no_grade", "dormant"])


def test_entries_not_found_are_listed_in_the_error(people):
    with pytest.raises(SelectionInvalid) as error:
        validate_selection(COURSE, ["learners"], ["no_grade", "ghost", "ghost@example.com"], None)
    assert error.value.errors["not_found"] == ["ghost", "ghost@example.com"]
    assert "ghost@example.com" in error.value.errors["individuals"]


def test_every_wrong_part_of_a_selection_is_named_at_once(people):
    with pytest.raises(SelectionInvalid) as error:
        validate_selection(COURSE, ["everyone"], ["ghost"], {"passed": "maybe"})
    assert set(error.value.errors) == {"targets", "individuals", "not_found", "filters"}
    assert set(error.value.errors["filters"]) == {"passed"}


def test_selection_of_nobody_is_refused(people):
    with pytest.raises(SelectionInvalid) as error:
        validate_selection(COURSE, [], [], {"passed": True})
    assert set(error.value.errors) == {"targets"}


def test_recipients_of_no_group_and_no_name_are_refused(people):
    with pytest.raises(EmptySelection):
        recipients_queryset(COURSE, [], None, [], None)


# Seeing who

def test_preview_counts_lists_and_explains(people):
    answer = preview(COURSE, None, ["learners"], ["staffer", "opted_out", "ghost", "dormant"], {"passed": True})
    assert answer["count"] == 2
    assert [person["username"] for person in answer["recipients"]] == ["passed_dropped", "passed_high"]
    assert answer["not_found"] == ["ghost"]
    assert answer["excluded"] == [
        {"username": "dormant", "reason": "filtered_out"},
        {"username": "opted_out", "reason": "opted_out"},
        {"username": "staffer", "reason": "filtered_out"},
    ]


def test_preview_gives_name_and_address_of_each_recipient(people):
    answer = preview(COURSE, None, [], ["no_grade"], None)
    assert answer["recipients"] == [
        {"username": "no_grade", "name": "Person no_grade", "email": "no_grade@example.com"}]


@pytest.mark.parametrize(("username", "reason"), [("unactivated", "not_activated"), ("disabled", "disabled")])
def test_preview_says_why_a_named_account_gets_nothing(people, username, reason):
    assert preview(COURSE, None, [], [username], None)["excluded"] == [{"username": username, "reason": reason}]


def test_preview_lists_the_hundred_oldest_accounts_in_username_order():
    f.course(modes=("audit",))
    for number in reversed(range(105)):  # the last usernames are the oldest accounts
        f.learner(username=f"learner{number:03d}")
    answer = preview(COURSE, None, ["learners"], [], None)
    assert answer["count"] == 105
    assert [person["username"] for person in answer["recipients"]] == [f"learner{n:03d}" for n in range(5, 105)]


def test_preview_of_names_that_match_nobody_counts_zero_and_lists_them(people):
    answer = preview(COURSE, None, [], ["ghost"], None)
    assert {key: answer[key] for key in ("count", "recipients", "not_found", "excluded", "count_status")} == {
        "count": 0, "recipients": [], "not_found": ["ghost"], "excluded": [], "count_status": "exact"}


def test_recipients_of_a_stored_email_follow_its_whole_selection(people):
    email = CourseEmail(course_id=COURSE, sender=people["staffer"], targets=["myself", "learners"],
                        individuals=["dormant"], filters={"never_started": True})
    assert set(for_email(email).values_list("username", flat=True)) == {"staffer", "just_below", "no_grade",
                                                                         "dormant"}
