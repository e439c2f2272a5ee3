"""
WCAG 2.1 A and AA on the Email page and the learner-facing unsubscribe pages, measured by
axe-core in headless Chromium in every state an instructor or a learner meets them.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseEmail, CourseTemplate, Delivery, SendTask
from openedx_bulkmail_plugin.unsubscribe.tokens import make_token
from tests import factories
from tests.accessibility import assert_no_violations
from tests.test_browser import (  # noqa: F401  (the page's fixtures)  pylint: disable=unused-import
    STEP,
    browser,
    choose,
    course_staff,
    open_page,
    send_to_all_learners,
    sending,
    wait_ready,
    write,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def email_page(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    """The Email page of a cohorted course with tracks and three learners."""
    factories.course(modes=("audit", "verified"), cohorted=True)
    factories.cohort("Blue Team")
    for name in ("ann", "bob", "cat"):
        factories.learner(username=name)
    page = open_page(course_staff())
    wait_ready(page)
    return page


def total(page, text):
    page.wait_for_selector(f"[data-total]:has-text('{text}')", timeout=STEP)


def test_compose_view_meets_wcag_21_aa(email_page):
    assert_no_violations(email_page)


def test_filled_form_meets_wcag_21_aa(email_page):
    write(email_page, "Week 2 starts", "The second week opens today.")
    choose(email_page, "All Learners")
    email_page.get_by_label("Schedule for later").check()
    total(email_page, "3 people")
    assert_no_violations(email_page)


def test_validation_errors_meet_wcag_21_aa(email_page):
    email_page.get_by_role("button", name="Send now").click()
    email_page.locator("#bm-targets-error").wait_for()
    assert_no_violations(email_page)


def test_preview_dialog_meets_wcag_21_aa(email_page):
    write(email_page, "Hello %%USER_FULLNAME%%", "Welcome to the course.")
    email_page.get_by_role("button", name="Preview").click()
    email_page.get_by_role("dialog").get_by_text("Hello Ines Instructor").wait_for(timeout=STEP)
    assert_no_violations(email_page)


def test_confirm_dialog_meets_wcag_21_aa(email_page):
    write(email_page, "Week 3", "Hello")
    choose(email_page, "All Learners")
    email_page.get_by_role("button", name="Send now").click()
    email_page.get_by_role("dialog").wait_for()
    assert_no_violations(email_page)


def test_named_learners_and_filters_meet_wcag_21_aa(email_page):
    email_page.get_by_label("Add named learners").fill("ann bob ghost")
    email_page.get_by_role("button", name="Add learners").click()
    email_page.locator("[data-individuals-chips] li", has_text="ghost").locator(".bm-chip__flag").wait_for(
        timeout=STEP)
    email_page.get_by_label("have not passed").check()
    email_page.get_by_label("have not been active for").check()
    total(email_page, "2 people")
    assert_no_violations(email_page)


def test_see_who_dialog_meets_wcag_21_aa(email_page):
    choose(email_page, "All Learners")
    total(email_page, "3 people")
    email_page.get_by_role("button", name="See who").click()
    email_page.get_by_role("dialog").locator("tbody tr").first.wait_for(timeout=STEP)
    assert_no_violations(email_page)


def test_scheduled_list_meets_wcag_21_aa(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    staffer = course_staff()
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=staffer, subject="Nudge",
                                       html_message="<p>Hi</p>", targets=["learners"])
    SendTask.objects.create(email=email, state=SendTask.SCHEDULED, due=timezone.now() + timedelta(days=2))
    page = open_page(staffer)
    wait_ready(page)
    page.locator("[data-scheduled-rows] tr", has_text="Nudge").wait_for(timeout=STEP)
    assert_no_violations(page)


def test_drafts_templates_and_the_guard_meet_wcag_21_aa(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    learner = factories.learner(username="ann")
    staffer = course_staff()
    sent = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=staffer, subject="Monday news",
                                      html_message="<p>Hi</p>", targets=["learners"])
    task = SendTask.objects.create(email=sent, state=SendTask.SUCCESS, started_at=timezone.now() - timedelta(days=1))
    Delivery.objects.create(task=task, user=learner, status=Delivery.SENT)
    CourseTemplate.objects.create(course_id=factories.COURSE_KEY, name="Weekly summary", subject="This week",
                                  body="<p>News</p>", modified_by=staffer)
    page = open_page(staffer)
    wait_ready(page)
    write(page, "Week 2 starts", "The second week opens today.")
    choose(page, "All Learners")
    page.wait_for_selector("[data-draft-state]:has-text('Draft saved')", timeout=STEP)
    page.wait_for_selector("[data-recent-emails]:has-text('other email')", timeout=STEP)
    page.locator("[data-drafts-rows] tr", has_text="Week 2 starts").wait_for(timeout=STEP)
    page.locator("[data-templates-rows] tr", has_text="Weekly summary").wait_for(timeout=STEP)
    assert_no_violations(page)


def test_a_draft_changed_by_a_colleague_meets_wcag_21_aa(email_page):
    write(email_page, "Week 5", "Hello")
    email_page.wait_for_selector("[data-draft-state]:has-text('Draft saved')", timeout=STEP)
    CourseEmail.objects.filter(subject="Week 5").update(version=7)
    write(email_page, "Week 5, again", " and welcome")
    email_page.locator("[data-draft-reload]").wait_for(timeout=STEP)
    assert_no_violations(email_page)


def test_save_as_template_dialog_meets_wcag_21_aa(email_page):
    CourseTemplate.objects.create(course_id=factories.COURSE_KEY, name="Week 3")
    write(email_page, "Week 3", "Hello")
    email_page.get_by_role("button", name="Save as template").click()
    email_page.get_by_role("dialog").get_by_role("button", name="Save template").click()
    email_page.wait_for_selector("#bm-ask-error:has-text('already exists')", timeout=STEP)
    assert_no_violations(email_page)


@pytest.mark.e2e
def test_history_with_a_finished_send_meets_wcag_21_aa(open_page, sending, smtp_server):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)
    row = send_to_all_learners(page, "Quiz 1 results")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    assert_no_violations(page)


@pytest.fixture
def unsubscribe_page(browser):  # noqa: F811  pylint: disable=redefined-outer-name
    """A learner's unsubscribe link, opened in a browser with no session."""
    factories.course(display_name="Moon Rocks 101")
    learner = factories.learner(username="ada", name="Ada Lovelace")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.link = f"/bulkmail/unsubscribe/{make_token(learner, factories.COURSE_KEY)}/"
    yield page
    context.close()


def test_unsubscribe_confirmation_meets_wcag_21_aa(unsubscribe_page, live_server):
    unsubscribe_page.goto(live_server.url + unsubscribe_page.link)
    assert_no_violations(unsubscribe_page)


def test_unsubscribed_page_meets_wcag_21_aa(unsubscribe_page, live_server):
    unsubscribe_page.goto(live_server.url + unsubscribe_page.link)
    unsubscribe_page.get_by_role("button", name="Unsubscribe").click()
    unsubscribe_page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert_no_violations(unsubscribe_page)


def test_resubscribed_page_meets_wcag_21_aa(unsubscribe_page, live_server):
    unsubscribe_page.goto(live_server.url + unsubscribe_page.link)
    unsubscribe_page.get_by_role("button", name="Unsubscribe").click()
    unsubscribe_page.get_by_role("button", name="Re-subscribe").click()
    unsubscribe_page.get_by_role("heading", name="You are subscribed again").wait_for()
    assert_no_violations(unsubscribe_page)


def test_bad_link_page_meets_wcag_21_aa(unsubscribe_page, live_server):
    unsubscribe_page.goto(f"{live_server.url}{unsubscribe_page.link[:-1]}x/")
    assert_no_violations(unsubscribe_page)


@pytest.mark.e2e
def test_details_dialog_of_a_finished_send_meets_wcag_21_aa(open_page, sending, smtp_server):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)
    row = send_to_all_learners(page, "Quiz 2 results")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    row.get_by_role("button", name="Details: Quiz 2 results").click()
    page.get_by_role("dialog").locator(".bm-facts").wait_for(timeout=STEP)
    assert_no_violations(page)


def test_opening_the_link_again_says_already_unsubscribed_and_offers_to_resubscribe(unsubscribe_page, live_server):
    unsubscribe_page.goto(live_server.url + unsubscribe_page.link)
    unsubscribe_page.get_by_role("button", name="Unsubscribe").click()
    unsubscribe_page.get_by_role("heading", name="You are unsubscribed").wait_for()

    unsubscribe_page.goto(live_server.url + unsubscribe_page.link)

    unsubscribe_page.get_by_role("heading", name="You are already unsubscribed from Moon Rocks 101").wait_for()
    assert unsubscribe_page.get_by_role("button", name="Unsubscribe", exact=True).count() == 0
    assert unsubscribe_page.get_by_role("button", name="Re-subscribe").is_visible()
    assert_no_violations(unsubscribe_page)
