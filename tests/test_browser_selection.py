"""
The Email page's selection controls in headless Chromium: named learners as chips (pasted
or from a CSV file), "Only learners who…" filters, the live count and "See who".
"""
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseEmail, SendTask
from openedx_bulkmail_plugin.recipients import counting
from tests import factories
from tests.test_browser import browser, choose, course_staff, open_page, wait_ready, write  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 30_000


@pytest.fixture
def course_page(open_page):  # noqa: F811
    """The Email page of a course with three learners, one of whom passed."""
    factories.course()
    for name in ("ann", "bob", "cat"):
        factories.learner(username=name)
    factories.grade(factories.get_user_model().objects.get(username="ann"), 90, passed_days_ago=3)
    page = open_page(course_staff())
    wait_ready(page)
    return page


def total(page, text):
    page.wait_for_selector(f"[data-total]:has-text('{text}')", timeout=STEP)


def chip(page, entry):
    return page.locator("[data-individuals-chips] li", has_text=entry)


def paste(page, text):
    page.get_by_label("Add named learners").fill(text)
    page.get_by_role("button", name="Add learners").click()


def choose_file(page, name, content, mime="text/csv"):
    page.locator("[data-individuals-file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])


def test_pasted_learners_become_chips_and_the_not_found_are_flagged(course_page):
    paste(course_page, "ann, BOB@example.com\nghost")
    total(course_page, "2 people")
    assert course_page.locator("[data-individuals-chips] li").count() == 3
    chip(course_page, "ghost").locator(".bm-chip__flag").wait_for(timeout=STEP)
    assert "not found" in chip(course_page, "ghost").inner_text()
    assert "1 named learner was not found" in course_page.locator("[data-total]").inner_text()


def test_enter_in_the_box_adds_what_was_typed(course_page):
    course_page.get_by_label("Add named learners").fill("cat")
    course_page.keyboard.press("Enter")
    total(course_page, "1 person")


def test_removing_a_chip_updates_the_count(course_page):
    paste(course_page, "ann bob")
    total(course_page, "2 people")
    course_page.get_by_role("button", name="Remove bob").click()
    total(course_page, "1 person")
    assert course_page.locator("[data-individuals-chips] li").count() == 1


def test_csv_file_with_an_email_column_adds_its_learners(course_page):
    choose_file(course_page, "class.csv", b"name,email\nAnn,ann@example.com\nCat,CAT@example.com\n")
    total(course_page, "2 people")
    assert chip(course_page, "ann@example.com").count() == 1


def test_csv_file_that_is_not_text_is_refused_and_adds_nobody(course_page):
    choose_file(course_page, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", mime="image/png")
    course_page.wait_for_selector("#bm-individuals-error:has-text('is not a text file')", timeout=STEP)
    assert course_page.locator("[data-individuals-chips] li").count() == 0


def test_csv_file_without_a_usable_column_is_refused(course_page):
    choose_file(course_page, "grades.csv", b"name,score\nAnn,90\n")
    course_page.wait_for_selector("#bm-individuals-error:has-text('no usable column')", timeout=STEP)
    assert course_page.locator("[data-individuals-chips] li").count() == 0


def test_csv_file_of_more_than_ten_thousand_rows_is_refused(course_page):
    choose_file(course_page, "everyone.csv", "\n".join(f"user{n}" for n in range(10_001)).encode())
    course_page.wait_for_selector("#bm-individuals-error:has-text('at most')", timeout=STEP)
    assert course_page.locator("[data-individuals-chips] li").count() == 0


def test_filters_narrow_the_live_count(course_page):
    choose(course_page, "All Learners")
    total(course_page, "3 people")
    course_page.get_by_label("have not passed").check()
    total(course_page, "2 people")
    course_page.get_by_label("have not been active for").check()
    course_page.get_by_label("Inactive for how many days").fill("30")
    total(course_page, "2 people")
    course_page.get_by_label("have not passed").uncheck()
    course_page.get_by_label("never started").check()
    total(course_page, "3 people")


def test_filters_that_keep_nobody_say_so(course_page):
    choose(course_page, "All Learners")
    course_page.get_by_label("scored at least").check()
    course_page.get_by_label("Grade at least, in percent").fill("95")
    total(course_page, "0 people")
    assert "No one selected meets these filters" in course_page.locator("[data-total]").inner_text()


def test_see_who_lists_the_recipients(course_page):
    choose(course_page, "All Learners")
    course_page.get_by_label("have not passed").check()
    total(course_page, "2 people")
    course_page.get_by_role("button", name="See who").click()
    dialog = course_page.get_by_role("dialog")
    dialog.locator("tbody tr").first.wait_for(timeout=STEP)  # the list may still be on its way
    assert [row.inner_text().split("\t")[0] for row in dialog.locator("tbody tr").all()] == ["bob", "cat"]


def test_sending_with_a_learner_not_found_is_stopped_before_the_server(course_page):
    write(course_page, "Reminder", "Hello")
    paste(course_page, "ann ghost")
    chip(course_page, "ghost").locator(".bm-chip__flag").wait_for(timeout=STEP)
    course_page.get_by_role("button", name="Send now").click()
    assert "not found" in course_page.locator("#bm-individuals-error").inner_text()
    assert CourseEmail.objects.exclude(send_task__state=SendTask.DRAFT).count() == 0  # at most a draft


def test_scheduled_email_describes_its_selection_in_words(course_page):
    write(course_page, "Catch up", "Week 3 is open.")
    choose(course_page, "All Learners")
    paste(course_page, "ann")
    course_page.get_by_label("have not passed").check()
    total(course_page, "2 people")
    course_page.get_by_label("Schedule for later").check()
    later = timezone.localtime(timezone.now() + timedelta(days=2))
    course_page.get_by_label("Date").fill(later.strftime("%Y-%m-%d"))
    course_page.get_by_label("Time").fill("09:30")
    course_page.get_by_role("button", name="Schedule", exact=True).click()
    course_page.get_by_role("dialog").get_by_role("button", name="Schedule", exact=True).click()

    row = course_page.locator("[data-scheduled-rows] tr", has_text="Catch up")
    row.wait_for(timeout=STEP)
    assert "All Learners, 1 named learner who have not passed" in row.inner_text()
    assert CourseEmail.objects.get().filters == {"passed": False}


def test_editing_a_scheduled_email_brings_back_its_named_learners_and_filters(course_page):
    staffer = factories.get_user_model().objects.get(username="ines")
    email = CourseEmail.objects.create(
        course_id=factories.COURSE_KEY, sender=staffer, subject="Nudge", html_message="<p>Hi</p>",
        targets=[], individuals=["bob"], filters={"passed": False})
    SendTask.objects.create(email=email, state=SendTask.SCHEDULED, due=timezone.now() + timedelta(days=2))
    course_page.reload()
    wait_ready(course_page)

    course_page.get_by_role("button", name="Edit: Nudge").click()
    assert chip(course_page, "bob").count() == 1
    assert course_page.get_by_label("have not passed").is_checked()
    course_page.get_by_label("have not passed").uncheck()
    paste(course_page, "ann")
    total(course_page, "2 people")
    course_page.get_by_role("button", name="Save changes").click()

    course_page.locator("[data-scheduled-rows] tr", has_text="2 named learners").wait_for(timeout=STEP)
    email.refresh_from_db()
    assert (email.individuals, email.filters) == (["bob", "ann"], {})


@pytest.fixture
def large_course_page(open_page, settings, monkeypatch):  # noqa: F811
    """The same course counted as a large one, whose background counts wait until the test runs them."""
    settings.BULKMAIL_EXACT_COUNT_ENROLLMENTS = 0
    caches["default"].clear()
    queued = []
    monkeypatch.setattr(counting.count_recipients, "apply_async", lambda args, **options: queued.append(args))
    factories.course()
    for name in ("ann", "bob", "cat"):
        factories.learner(username=name)
    factories.grade(factories.get_user_model().objects.get(username="ann"), 90, passed_days_ago=3)
    page = open_page(course_staff())
    wait_ready(page)
    yield page, queued
    caches["default"].clear()


def run_background_counts(queued):
    while queued:
        counting.count_recipients(*queued.pop(0))


def test_a_large_course_shows_estimates_then_the_counts_made_in_the_background(large_course_page):
    page, queued = large_course_page
    page.wait_for_selector(".bm-group__count:has-text('about 3 people')", timeout=STEP)
    page.wait_for_selector("[data-groups-note]:has-text('Estimated from a sample')", timeout=STEP)

    run_background_counts(queued)
    page.wait_for_selector("[data-groups-note]:has-text('Counted at')", timeout=STEP)
    assert "about" not in page.locator(".bm-group__count").first.inner_text()

    choose(page, "All Learners")
    page.get_by_label("have not passed").check()
    total(page, "about 2 people")
    run_background_counts(queued)
    total(page, "go to 2 people")
    assert "Counted at" in page.locator("[data-total]").inner_text()
