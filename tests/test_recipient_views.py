"""
The groups and recipients endpoints: live counts for the course team, and nothing for anyone else.
"""
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import factories as f
from tests import recipient_population as population

pytestmark = pytest.mark.django_db

GROUPS_URL = f"/api/bulkmail/v1/courses/{f.COURSE_KEY}/groups/"
RECIPIENTS_URL = f"/api/bulkmail/v1/courses/{f.COURSE_KEY}/recipients/"


@pytest.fixture
def people():
    return population.build()


def client_of(person):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person)
    return client


def count_of(person, *targets):
    return client_of(person).get(RECIPIENTS_URL + "?" + urlencode([("target", key) for key in targets]))


def exactly(response):
    """The answer without its time, once it says it was counted exactly, now (as a small course is)."""
    answer = dict(response.json())
    assert answer.pop("count_status") == "exact" and answer.pop("counted_at")
    return answer


# Groups with their counts

def test_groups_list_every_group_with_its_exact_count(people):
    response = client_of(people["staffer"]).get(GROUPS_URL)
    assert response.status_code == 200
    counts = {group["key"]: group["count"] for group in response.json()["groups"]}
    assert counts == {"myself": 1, **{key: len(expected) for key, expected in population.EXPECTED.items()}}


def test_groups_keep_display_order(people):
    keys = [group["key"] for group in client_of(people["staffer"]).get(GROUPS_URL).json()["groups"]]
    assert keys == ["myself", "staff", "learners", "track:audit", "track:verified",
                    "cohort:Blue Team", "cohort:Default Group", "cohort:Red Team"]


def test_groups_carry_label_and_description(people):
    groups = client_of(people["staffer"]).get(GROUPS_URL).json()["groups"]
    verified = next(group for group in groups if group["key"] == "track:verified")
    assert verified["label"] == "Learners in the Verified Certificate Track"
    assert verified["description"]


def test_global_staff_see_the_groups_of_any_course(people):
    assert client_of(people["global_staff"]).get(GROUPS_URL).status_code == 200


# Counting a selection

def test_recipient_count_of_one_group(people):
    response = count_of(people["staffer"], "learners")
    assert response.status_code == 200
    assert exactly(response) == {"count": len(population.EXPECTED_LEARNERS)}


def test_recipient_count_counts_someone_in_two_groups_once(people):
    assert exactly(count_of(people["staffer"], "track:verified", "cohort:Blue Team")) == {"count": 3}


def test_recipient_count_of_myself_and_staff_includes_a_requester_outside_staff(people):
    assert exactly(count_of(people["global_staff"], "myself", "staff")) == {
        "count": len(population.EXPECTED_STAFF) + 1}


def test_recipient_count_accepts_a_cohort_name_with_a_space(people):
    response = client_of(people["staffer"]).get(RECIPIENTS_URL + "?target=" + quote("cohort:Red Team"))
    assert exactly(response) == {"count": 1}


# Bad input

@pytest.mark.parametrize("key", ["everyone", "track:professional", "cohort:Purple"])
def test_unknown_group_answers_400_naming_it(people, key):
    response = count_of(people["staffer"], "learners", key)
    assert response.status_code == 400
    assert key in response.json()["target"][0]


def test_cohort_of_another_course_answers_400_naming_it(people):
    f.cohort("Green Team", population.OTHER_COURSE_KEY)
    response = count_of(people["staffer"], "cohort:Green Team")
    assert response.status_code == 400
    assert "cohort:Green Team" in response.json()["target"][0]


def test_empty_selection_answers_400_naming_the_target_field(people):
    response = count_of(people["staffer"])
    assert response.status_code == 400
    assert list(response.json()) == ["target"]


def test_malformed_course_key_answers_400(people):
    response = client_of(people["global_staff"]).get("/api/bulkmail/v1/courses/not-a-course/groups/")
    assert response.status_code == 400
    assert "not-a-course" in response.json()["course_id"]


def test_unknown_course_answers_404(people):
    response = client_of(people["global_staff"]).get("/api/bulkmail/v1/courses/course-v1:TestX+Nope+2026/groups/")
    assert response.status_code == 404


# Who may see counts

@pytest.mark.parametrize("username", ["audit_blue", "beta_learner", "moderator_learner", "org_staff_learner",
                                      "other_course_staff"])
@pytest.mark.parametrize("url", [GROUPS_URL, RECIPIENTS_URL + "?target=learners"])
def test_anyone_outside_the_course_team_is_refused_403(people, username, url):
    assert client_of(people[username]).get(url).status_code == 403


@pytest.mark.parametrize("url", [GROUPS_URL, RECIPIENTS_URL + "?target=learners"])
def test_anonymous_is_refused_401(people, url):
    assert client_of(None).get(url).status_code == 401


def test_course_admin_may_count(people):
    assert exactly(count_of(people["enrolled_admin"], "staff")) == {"count": len(population.EXPECTED_STAFF)}


# Counting takes a bounded number of queries, whatever the course's size

@pytest.fixture
def grow():
    """Add learners of every kind of group, and opted-out learners and staff, ``size`` times over."""
    f.course(modes=("audit", "verified"), cohorted=True)
    blue, red = f.cohort("Blue Team"), f.cohort("Red Team")

    def add(size):
        for number in range(size):
            f.add_to_cohort(f.learner(mode="verified" if number % 2 else "audit"), blue if number % 3 else red)
            f.opt_out(f.learner())
            f.grant(f.user(), "staff")
    return add


def queries_to_get(url, person):
    client = client_of(person)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


SELECTION_URL = RECIPIENTS_URL + "?target=staff&target=track:verified&target=cohort:Red Team"


@pytest.mark.parametrize("url", [GROUPS_URL, SELECTION_URL])
def test_counting_takes_as_many_queries_for_a_large_course_as_for_a_small_one(grow, url):
    requester = f.user(is_staff=True)
    grow(1)
    small = queries_to_get(url, requester)
    grow(30)
    assert queries_to_get(url, requester) == small


def test_group_counts_take_a_handful_of_queries(grow, django_assert_max_num_queries):
    grow(10)
    client = client_of(f.user(is_staff=True))
    with django_assert_max_num_queries(7):  # one of them: whether the course is too large to count at once
        client.get(GROUPS_URL)


def test_recipient_count_takes_a_handful_of_queries(grow, django_assert_max_num_queries):
    grow(10)
    client = client_of(f.user(is_staff=True))
    with django_assert_max_num_queries(6):  # one of them: whether the course is too large to count at once
        client.get(SELECTION_URL)
