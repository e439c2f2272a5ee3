"""
Counts of a large course: a background count said to be recent, or an estimate said to be
one, never shown as an exact count made now; a small course is always counted exactly.

"Large" is set low here (BULKMAIL_EXACT_COUNT_ENROLLMENTS = 0), so the test course is one.
"""
from datetime import timedelta
from itertools import combinations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from kombu.exceptions import OperationalError as BrokerError

from devsite.student.models import CourseEnrollment
from openedx_bulkmail_plugin.recipients import counting, estimates, recipients_queryset
from openedx_bulkmail_plugin.recipients.census import group_counts
from tests import factories as f
from tests import recipient_population, selection_population

pytestmark = pytest.mark.django_db
COURSE = f.COURSE_KEY
TWO_FILTERS = {"passed": False, "inactive_days": 14}


@pytest.fixture(autouse=True)
def empty_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def large(settings):
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 0


@pytest.fixture
def no_worker(monkeypatch):
    """Counts queued in the background stay queued: no worker takes them."""
    queued = []
    monkeypatch.setattr(counting.count_recipients, "apply_async", lambda args, **options: queued.append(args))
    return queued


@pytest.fixture
def groups_population():
    return recipient_population.build()


@pytest.fixture
def filters_population():
    return selection_population.build()


def exact_count(targets, requester, usernames=(), filters=None):
    return recipients_queryset(COURSE, targets, requester, usernames, filters).count()


def every_selection_of_groups():
    keys = sorted(recipient_population.EXPECTED) + ["myself"]
    return [list(chosen) for size in (1, 2, 3) for chosen in combinations(keys, size)]


def test_a_small_course_is_counted_exactly_now(groups_population, no_worker):
    answer = counting.groups(COURSE, groups_population["staffer"])

    assert answer.status == counting.EXACT
    assert dict((group.key, count) for group, count in answer.value) == group_counts(
        COURSE, groups_population["staffer"])
    assert no_worker == []


def test_a_large_course_first_shows_an_estimate_and_asks_for_the_exact_count(large, groups_population, no_worker):
    answer = counting.groups(COURSE, groups_population["staffer"])

    assert answer.status == counting.ESTIMATE
    assert len(no_worker) == 1
    counting.groups(COURSE, groups_population["staffer"])
    assert len(no_worker) == 1  # asked for once, while it is queued


def test_an_estimate_of_a_whole_small_sample_is_the_exact_count(large, groups_population, no_worker):
    staffer = groups_population["staffer"]
    estimated = dict((group.key, count) for group, count in counting.groups(COURSE, staffer).value)

    assert estimated == group_counts(COURSE, staffer)


def test_the_background_count_is_shown_as_recent_with_when_it_was_made(large, groups_population):
    staffer = groups_population["staffer"]

    answer = counting.groups(COURSE, staffer)  # Celery runs eagerly here: the count is made at once

    assert answer.status == counting.RECENT
    assert dict((group.key, count) for group, count in answer.value) == group_counts(COURSE, staffer)


def test_a_recent_count_stays_what_it_was_until_a_newer_one_is_made(large, groups_population, settings):
    staffer = groups_population["staffer"]
    first = counting.selection(COURSE, staffer, ["learners"])
    f.learner()

    again = counting.selection(COURSE, staffer, ["learners"])
    assert (again.value, again.counted_at, again.status) == (first.value, first.counted_at, counting.RECENT)

    _age_every_count(settings.BULKMAIL_COUNT_CACHE_SECONDS)
    newer = counting.selection(COURSE, staffer, ["learners"])
    assert (newer.value, newer.status) == (first.value + 1, counting.RECENT)
    assert newer.counted_at > first.counted_at


@pytest.mark.parametrize("targets", every_selection_of_groups())
def test_selections_of_groups_counted_from_the_census_match_the_recipient_query(
        large, groups_population, targets):
    for requester in (groups_population["staffer"], groups_population["global_staff"], None):
        answer = counting.selection(COURSE, requester, targets)
        assert (answer.value, answer.status) == (exact_count(targets, requester), counting.RECENT), requester


@pytest.mark.parametrize("targets", [["learners"], ["learners", "staff", "myself"], ["myself"]])
@pytest.mark.parametrize("usernames", [[], ["no_grade", "passed_high"], ["graded_elsewhere"]])
@pytest.mark.parametrize("filters", [{}, TWO_FILTERS, {"grade_below": 60}])
def test_estimates_of_a_whole_sample_match_the_recipient_query(
        large, filters_population, no_worker, targets, usernames, filters):
    requester = f.user(username="requester")
    f.grant(requester, "staff")
    answer = counting.selection(COURSE, requester, targets, usernames, filters)

    assert answer.value == exact_count(targets, requester, usernames, filters)
    if usernames or filters:
        assert answer.status == counting.ESTIMATE


def test_a_filtered_count_made_in_the_background_is_recent(large, filters_population):
    answer = counting.selection(COURSE, None, ["learners"], filters=TWO_FILTERS)

    assert (answer.value, answer.status) == (exact_count(["learners"], None, filters=TWO_FILTERS), counting.RECENT)


def test_an_exact_count_is_made_now_whatever_the_size(large, filters_population, no_worker):
    answer = counting.selection(COURSE, None, ["learners"], filters=TWO_FILTERS, exact=True)

    assert answer.status == counting.EXACT
    assert no_worker == []


def test_a_broker_that_refuses_the_count_leaves_an_estimate_and_lets_the_next_request_ask_again(
        large, filters_population, monkeypatch):
    def refuse(*args, **options):
        raise BrokerError("down")

    monkeypatch.setattr(counting.count_recipients, "apply_async", refuse)
    assert counting.selection(COURSE, None, ["learners"]).status == counting.ESTIMATE

    monkeypatch.undo()
    assert counting.selection(COURSE, None, ["learners"]).status == counting.RECENT


def test_a_sample_of_a_large_course_estimates_its_learners_closely(large, no_worker, monkeypatch):
    f.course()
    for _ in range(400):
        f.learner()
    monkeypatch.setattr(estimates, "SAMPLE_ENROLLMENTS", 80)
    monkeypatch.setattr(estimates, "WINDOWS", 8)

    sample = estimates.course_sample(COURSE)
    answer = counting.selection(COURSE, None, ["learners"])

    assert not sample.whole and sample.scale > 1
    assert answer.status == counting.ESTIMATE
    assert 360 <= answer.value <= 440


def _age_every_count(seconds):
    """Make every background count in the cache look ``seconds`` old."""
    cache = caches["default"]
    for key in list(cache._cache):  # pylint: disable=protected-access
        name = key.split(":", 2)[-1]
        value = cache.get(name)
        if isinstance(value, tuple) and len(value) == 2:
            cache.set(name, (value[0], value[1] - timedelta(seconds=seconds)))


def test_a_course_of_at_most_the_limit_is_counted_exactly_and_one_more_is_not(settings, no_worker):
    f.course()
    for _ in range(3):
        f.learner()
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 3
    assert counting.selection(COURSE, None, ["learners"]).status == counting.EXACT
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 2
    assert counting.selection(COURSE, None, ["learners"]).status == counting.ESTIMATE


def test_a_course_whose_enrollments_are_spread_among_others_gets_wider_windows(monkeypatch):
    f.course()
    f.course(recipient_population.OTHER_COURSE_KEY)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"spread{number}", email=f"spread{number}@example.com") for number in range(1000)])
    CourseEnrollment.objects.bulk_create(
        CourseEnrollment(user_id=user.id, is_active=True, mode="audit",
                         course_id=COURSE if number % 5 == 0 else recipient_population.OTHER_COURSE_KEY)
        for number, user in enumerate(get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by("id")))
    monkeypatch.setattr(estimates, "SAMPLE_ENROLLMENTS", 40)
    monkeypatch.setattr(estimates, "WINDOWS", 10)

    sample = estimates.course_sample(COURSE)

    held = sample.of(CourseEnrollment.objects.filter(course_id=COURSE)).count()
    assert 20 <= held <= 80  # about 40, though the first windows held about 8
    assert 150 <= sample.scaled(held) <= 250  # the course's 200
