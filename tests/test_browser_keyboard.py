"""
The Email page by keyboard alone, in headless Chromium: Tab and Shift+Tab to move, Enter
and Space to act, typing only to write. No step here uses the mouse.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseEmail, SendTask
from tests import factories
from tests.test_browser import (  # noqa: F401  (the page's fixtures)  pylint: disable=unused-import
    STEP,
    browser,
    course_staff,
    history_row,
    open_page,
    sending,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a screen reader would call the focused element, near enough to tell them apart.
FOCUSED = """() => {
  const node = document.activeElement;
  const label = node.labels && node.labels.length ? node.labels[0].textContent : '';
  return (node.getAttribute('aria-label') || node.title || label || node.textContent || node.tagName)
    .replace(/\\s+/g, ' ').trim();
}"""


@pytest.fixture
def email_page(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    """The Email page of a course with two learners, focus at the top of the document."""
    factories.course()
    factories.learner(username="ann")
    factories.learner(username="bob")
    page = open_page(course_staff())
    wait_ready(page)
    return page


def focused(page):
    return page.evaluate(FOCUSED)


def press_until(page, name, key="Tab", limit=60):
    """Press ``key`` until the focused element's name starts with ``name``; return the names met."""
    met = []
    for _ in range(limit):
        page.keyboard.press(key)
        met.append(focused(page))
        if met[-1].startswith(name):
            return met
    raise AssertionError(f"{key} never reached {name!r}; it went through {met}")


def in_dialog(page):
    return page.evaluate("Boolean(document.activeElement.closest('dialog[open]'))")


def behind_dialog(page):
    """Whether focus is on the page behind an open dialog (leaving for the browser's own UI is not)."""
    return page.evaluate("""() => document.activeElement !== document.body
        && !document.activeElement.closest('dialog[open]')""")


def compose_by_keyboard(page, subject="Week 3", body="Hello"):
    press_until(page, "All Learners")
    page.keyboard.press("Space")
    press_until(page, "Subject")
    page.keyboard.type(subject)
    press_until(page, "Message editor")
    page.keyboard.type(body)


def test_tab_goes_from_the_top_of_the_page_through_the_editor_to_send_now(email_page):
    met = press_until(email_page, "Send now")
    order = ["All Learners", "Subject", "Bold", "Message editor", "Schedule for later", "Preview",
             "Send to myself", "Send now"]
    positions = [next(i for i, name in enumerate(met) if name.startswith(step)) for step in order]
    assert positions == sorted(positions), met


def test_shift_tab_goes_back_from_send_now_through_the_editor_to_the_subject(email_page):
    press_until(email_page, "Send now")
    met = press_until(email_page, "Subject", key="Shift+Tab")
    assert "Message editor" in met
    assert any(name.startswith("Bold") for name in met), met


def test_tab_leaves_the_message_editor_for_the_schedule_control(email_page):
    press_until(email_page, "Message editor")
    email_page.keyboard.type("Hello")
    email_page.keyboard.press("Tab")
    assert focused(email_page) == "Schedule for later"


def test_the_formatting_toolbar_is_one_tab_stop_walked_with_the_arrow_keys(email_page):
    press_until(email_page, "Bold")
    email_page.keyboard.press("ArrowRight")
    assert focused(email_page).startswith("Italic")
    email_page.keyboard.press("End")
    assert focused(email_page) == "HTML source"
    email_page.keyboard.press("Home")
    assert focused(email_page).startswith("Bold")
    email_page.keyboard.press("Tab")
    assert focused(email_page) == "Message editor"


def test_a_bold_button_pressed_by_keyboard_formats_the_message(email_page):
    press_until(email_page, "Bold")
    email_page.keyboard.press("Enter")
    email_page.keyboard.type("Important")
    assert "<b>Important</b>" in email_page.frame_locator("[data-editor-frame]").locator("body").inner_html()


def test_the_confirmation_is_reached_and_cancelled_by_keyboard(email_page):
    compose_by_keyboard(email_page)
    press_until(email_page, "Send now")
    email_page.keyboard.press("Enter")
    email_page.get_by_role("dialog").wait_for()
    assert (focused(email_page), in_dialog(email_page)) == ("Send now", True)

    email_page.keyboard.press("Shift+Tab")
    assert focused(email_page) == "Cancel"
    email_page.keyboard.press("Enter")

    assert email_page.get_by_role("dialog").count() == 0
    assert focused(email_page) == "Send now"
    assert SendTask.objects.exclude(state=SendTask.DRAFT).count() == 0  # kept as a draft, not sent


def test_the_preview_is_opened_and_closed_by_keyboard_and_focus_returns_to_preview(email_page):
    compose_by_keyboard(email_page)
    press_until(email_page, "Preview")
    email_page.keyboard.press("Enter")
    email_page.get_by_role("dialog").get_by_text("Week 3").wait_for(timeout=STEP)
    assert (focused(email_page), in_dialog(email_page)) == ("Close", True)

    for _ in range(4):
        email_page.keyboard.press("Tab")
        assert not behind_dialog(email_page), focused(email_page)
    press_until(email_page, "Close")
    email_page.keyboard.press("Space")

    assert email_page.get_by_role("dialog").count() == 0
    assert focused(email_page) == "Preview"


def test_see_who_is_opened_and_closed_by_keyboard(email_page):
    press_until(email_page, "All Learners")
    email_page.keyboard.press("Space")
    email_page.wait_for_selector("[data-total]:has-text('2 people')", timeout=STEP)
    press_until(email_page, "See who")
    email_page.keyboard.press("Enter")
    email_page.get_by_role("dialog").locator("tbody tr").first.wait_for(timeout=STEP)
    assert in_dialog(email_page)

    email_page.keyboard.press("Enter")

    assert email_page.get_by_role("dialog").count() == 0
    assert focused(email_page) == "See who"


def test_an_empty_send_focuses_the_first_error_and_marks_every_invalid_control(email_page):
    press_until(email_page, "Send now")
    email_page.keyboard.press("Enter")

    assert focused(email_page).startswith("Myself")
    invalid = email_page.evaluate("""() => [...document.querySelectorAll('[aria-invalid="true"]')]
        .map((node) => node.id || node.value)""")
    assert "bm-subject" in invalid
    assert all(box.get_attribute("aria-invalid") == "true"
               for box in email_page.locator("[data-groups] input").all())
    editor = email_page.frame_locator("[data-editor-frame]").locator("body")
    assert editor.get_attribute("aria-invalid") == "true"


def test_the_notice_banners_are_live_regions_from_page_load(email_page):
    assert email_page.locator("[data-notice][role='status']").count() == 1
    assert email_page.locator("[data-notice][role='alert']").count() == 1


@pytest.mark.e2e
def test_focus_stays_on_send_now_after_a_confirmed_send(email_page, sending, smtp_server):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    compose_by_keyboard(email_page, subject="Quiz 1 results")
    press_until(email_page, "Send now")
    email_page.keyboard.press("Enter")
    email_page.get_by_role("dialog").wait_for()
    email_page.keyboard.press("Enter")

    history_row(email_page, "Quiz 1 results").wait_for(timeout=STEP)
    assert focused(email_page) == "Send now"
    assert smtp_server.wait_for(2) == 2


@pytest.mark.e2e
def test_focus_stays_on_send_to_myself_after_it_sent(email_page, sending, smtp_server):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    press_until(email_page, "Subject")
    email_page.keyboard.type("Testing")
    press_until(email_page, "Message editor")
    email_page.keyboard.type("Hello")
    press_until(email_page, "Send to myself")
    email_page.keyboard.press("Enter")

    email_page.get_by_role("status").filter(has_text="test copy").wait_for(timeout=STEP)
    assert focused(email_page) == "Send to myself"


@pytest.fixture
def scheduled_page(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    """The Email page of a course with one email scheduled for the day after tomorrow."""
    factories.course()
    staffer = course_staff()
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, sender=staffer, subject="Nudge",
                                       html_message="<p>Hi</p>", targets=["learners"])
    SendTask.objects.create(email=email, state=SendTask.SCHEDULED, due=timezone.now() + timedelta(days=2))
    page = open_page(staffer)
    wait_ready(page)
    page.locator("[data-scheduled-rows] tr", has_text="Nudge").wait_for(timeout=STEP)
    return page


def test_a_scheduled_email_is_viewed_by_keyboard_and_focus_returns_to_view(scheduled_page):
    press_until(scheduled_page, "View: Nudge")
    scheduled_page.keyboard.press("Enter")
    scheduled_page.get_by_role("dialog").wait_for()
    assert (focused(scheduled_page), in_dialog(scheduled_page)) == ("Close", True)

    scheduled_page.keyboard.press("Enter")

    assert focused(scheduled_page) == "View: Nudge"


def test_deleting_a_scheduled_email_by_keyboard_leaves_focus_on_the_scheduled_heading(scheduled_page):
    press_until(scheduled_page, "Delete: Nudge")
    scheduled_page.keyboard.press("Enter")
    scheduled_page.get_by_role("dialog").wait_for()
    assert focused(scheduled_page) == "Cancel"
    scheduled_page.keyboard.press("Tab")
    assert focused(scheduled_page) == "Delete"

    scheduled_page.keyboard.press("Enter")

    scheduled_page.locator("[data-scheduled-empty]").wait_for(timeout=STEP)
    assert focused(scheduled_page) == "Scheduled emails"
