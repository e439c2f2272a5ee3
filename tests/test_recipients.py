"""
Who each recipient group reaches, person by person, and how selections combine.
"""
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from openedx_bulkmail_plugin.recipients import (
    EmptySelection,
    UnknownGroup,
    available_groups,
    group_counts,
    months_before,
    recipients_queryset,
    validate_targets,
)
from tests import factories as f
from tests import recipient_population as population

pytestmark = pytest.mark.django_db

COURSE = f.COURSE_KEY


@pytest.fixture
def people():
    return population.build()


def usernames(queryset):
    return set(queryset.values_list("username", flat=True))


def members(targets, requester):
    return usernames(recipients_queryset(COURSE, targets, requester))


# Which groups a course offers

def test_groups_are_listed_myself_staff_learners_then_tracks_then_cohorts(people):
    assert [group.key for group in available_groups(COURSE)] == [
        "myself", "staff", "learners", "track:audit", "track:verified",
        "cohort:Blue Team", "cohort:Default Group", "cohort:Red Team",
    ]


def test_track_group_is_labelled_with_the_mode_display_name(people):
    labels = {group.key: group.label for group in available_groups(COURSE)}
    assert labels["track:verified"] == "Learners in the Verified Certificate Track"


def test_default_cohort_is_labelled_cohort_default_group(people):
    labels = {group.key: group.label for group in available_groups(COURSE)}
    assert labels["cohort:Default Group"] == "Cohort: Default Group"


def test_every_group_has_a_description(people):
    assert all(group.description for group in available_groups(COURSE))


def test_course_with_a_single_mode_offers_no_track_groups():
    f.course(modes=("audit",))
    assert [group.key for group in available_groups(COURSE)] == ["myself", "staff", "learners"]


def test_course_without_cohorts_enabled_offers_no_cohort_groups():
    f.course(modes=("audit",), cohorted=False)
    f.cohort("Blue Team")
    assert "cohort:Blue Team" not in {group.key for group in available_groups(COURSE)}


# Who each group reaches

@pytest.mark.parametrize("key", sorted(population.EXPECTED))
def test_group_reaches_exactly_its_members(people, key):
    assert members([key], people["staffer"]) == population.EXPECTED[key]


def test_myself_is_only_the_requester(people):
    assert members(["myself"], people["global_staff"]) == {"global_staff"}


def test_myself_reaches_an_opted_out_requester(people):
    assert members(["myself"], people["opted_out_staff"]) == {"opted_out_staff"}


def test_myself_without_a_requester_reaches_nobody(people):
    assert members(["myself"], None) == set()


def test_learner_in_two_selected_groups_is_reached_once(people):
    recipients = recipients_queryset(COURSE, ["track:verified", "cohort:Blue Team"], people["staffer"])
    assert sorted(recipients.values_list("username", flat=True)) == ["audit_blue", "verified_blue", "verified_red"]


def test_union_of_myself_staff_and_learners_counts_each_person_once(people):
    recipients = recipients_queryset(COURSE, ["myself", "staff", "learners"], people["staffer"])
    assert recipients.count() == len(population.EXPECTED_STAFF | population.EXPECTED_LEARNERS)


def test_union_of_myself_staff_and_learners_reaches_everyone_in_them(people):
    assert members(["myself", "staff", "learners"], people["global_staff"]) == (
        {"global_staff"} | population.EXPECTED_STAFF | population.EXPECTED_LEARNERS)


def test_union_of_every_cohort_leaves_out_learners_in_no_cohort(people):
    everyone_in_a_cohort = members(list(population.EXPECTED_COHORTS), people["staffer"])
    assert population.EXPECTED_LEARNERS - everyone_in_a_cohort == {
        "never_opened", "new_never_logged_in", "beta_learner", "moderator_learner", "org_staff_learner"}


def test_union_of_a_track_and_learners_is_all_learners(people):
    assert members(["track:audit", "learners"], people["staffer"]) == population.EXPECTED_LEARNERS


# Counting and listing in SQL

def test_group_counts_equal_the_size_of_each_group(people):
    counts = group_counts(COURSE, people["staffer"])
    assert counts == {"myself": 1, **{key: len(expected) for key, expected in population.EXPECTED.items()}}


def test_group_counts_match_the_recipient_query_of_each_group(people):
    counts = group_counts(COURSE, people["staffer"])
    assert counts == {key: recipients_queryset(COURSE, [key], people["staffer"]).count() for key in counts}


def test_counting_a_selection_is_one_query(people, django_assert_num_queries):
    recipients = recipients_queryset(COURSE, ["staff", "track:verified", "cohort:Blue Team"], people["staffer"])
    with django_assert_num_queries(1):
        recipients.count()


def test_streaming_a_selection_is_one_query(people, django_assert_num_queries):
    recipients = recipients_queryset(COURSE, ["myself", "learners"], people["staffer"])
    with django_assert_num_queries(1):
        ids = list(recipients.values_list("id", flat=True).iterator(chunk_size=2))
    assert len(ids) == len(population.EXPECTED_LEARNERS) + 1


def test_selection_serves_as_a_subquery_of_ids(people):
    recipients = recipients_queryset(COURSE, ["staff", "cohort:Red Team"], people["staffer"])
    outer = get_user_model().objects.filter(id__in=recipients.values("id"))
    assert usernames(outer) == {"staffer", "enrolled_admin", "verified_red"}


def test_selection_of_nobody_still_renders_as_sql_for_insert_select(people):
    recipients = recipients_queryset(COURSE, ["myself"], None)
    sql, params = recipients.order_by().values("id").query.sql_with_params()
    assert sql.startswith("SELECT")


# Validating a selection

def test_validate_targets_normalises_and_drops_repeats_in_order(people):
    assert validate_targets(COURSE, ["Learners", " staff ", "learners", "track:verified", "cohort:Red Team"]) == [
        "learners", "staff", "track:verified", "cohort:Red Team"]


def test_unknown_key_is_refused_naming_it(people):
    with pytest.raises(UnknownGroup) as error:
        validate_targets(COURSE, ["learners", "everyone"])
    assert error.value.key == "everyone"
    assert "everyone" in str(error.value)


def test_track_the_course_does_not_have_is_refused(people):
    with pytest.raises(UnknownGroup) as error:
        validate_targets(COURSE, ["track:professional"])
    assert error.value.key == "track:professional"


def test_cohort_of_another_course_is_refused(people):
    f.cohort("Green Team", population.OTHER_COURSE_KEY)
    with pytest.raises(UnknownGroup) as error:
        validate_targets(COURSE, ["cohort:Green Team"])
    assert error.value.key == "cohort:Green Team"


def test_cohort_name_must_match_exactly(people):
    with pytest.raises(UnknownGroup):
        validate_targets(COURSE, ["cohort:blue team"])


def test_key_that_is_not_text_is_refused(people):
    with pytest.raises(UnknownGroup):
        validate_targets(COURSE, [7])


def test_empty_selection_is_refused(people):
    with pytest.raises(EmptySelection):
        validate_targets(COURSE, [])


def test_recipients_of_an_unknown_key_are_refused(people):
    with pytest.raises(UnknownGroup):
        recipients_queryset(COURSE, ["cohort:Purple"], people["staffer"])


# The last-login eligibility period

@pytest.fixture
def seen():
    """Learners of a plain course, last seen a given number of months ago: ``seen(19)``."""
    f.course(modes=("audit",))

    def learner_seen(months_ago, **fields):
        moment = months_before(timezone.now(), months_ago) + timedelta(days=1)
        return f.learner(username=f"seen_{months_ago}_months_ago", last_login=moment, **fields)
    return learner_seen


def test_learner_seen_within_18_months_is_included_by_default(seen):
    seen(17)
    assert members(["learners"], None) == {"seen_17_months_ago"}


def test_learner_not_seen_for_18_months_is_left_out_by_default(seen):
    seen(19)
    assert members(["learners"], None) == set()


def test_learner_who_never_logged_in_counts_from_account_creation(seen):
    f.learner(username="joined_recently", last_login=None, date_joined=timezone.now() - timedelta(days=400))
    f.learner(username="joined_long_ago", last_login=None, date_joined=timezone.now() - timedelta(days=800))
    assert members(["learners"], None) == {"joined_recently"}


def test_platform_period_overrides_our_default(seen, settings):
    settings.BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = 6
    seen(5)
    seen(7)
    assert members(["learners"], None) == {"seen_5_months_ago"}


def test_our_setting_applies_when_the_platform_leaves_it_unset(seen, settings):
    settings.BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = None
    settings.BULKMAIL_LAST_LOGIN_ELIGIBILITY_MONTHS = 24
    seen(23)
    seen(25)
    assert members(["learners"], None) == {"seen_23_months_ago"}


def test_platform_period_of_zero_switches_the_rule_off(seen, settings):
    settings.BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = 0
    seen(100)
    assert members(["learners"], None) == {"seen_100_months_ago"}


@pytest.mark.parametrize("months", [None, 0])
def test_our_setting_of_none_or_zero_switches_the_rule_off(seen, settings, months):
    settings.BULK_COURSE_EMAIL_LAST_LOGIN_ELIGIBILITY_PERIOD = None
    settings.BULKMAIL_LAST_LOGIN_ELIGIBILITY_MONTHS = months
    seen(100)
    f.learner(username="joined_long_ago", last_login=None, date_joined=timezone.now() - timedelta(days=4000))
    assert members(["learners"], None) == {"seen_100_months_ago", "joined_long_ago"}


def test_eligibility_period_applies_to_track_groups(seen, settings):
    f.course(modes=("audit", "verified"))
    f.learner(username="dormant_verified", mode="verified", last_login=timezone.now() - timedelta(days=800))
    f.learner(username="active_verified", mode="verified")
    assert members(["track:verified"], None) == {"active_verified"}


def test_staff_are_reached_however_long_since_they_logged_in(seen):
    f.grant(f.user(username="dormant_staff", last_login=timezone.now() - timedelta(days=1000)), "staff")
    assert members(["staff"], None) == {"dormant_staff"}


def test_months_before_counts_calendar_months():
    assert months_before(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), 18) == datetime(
        2025, 5, 26, 12, 0, tzinfo=UTC)


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC)
