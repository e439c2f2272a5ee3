"""
The Email page in Debian's headless Chromium, against the live dev site, a real Celery
worker on Redis and a real SMTP server: what an instructor does, end to end.
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from devsite.student.models import CourseEnrollment
from openedx_bulkmail_plugin.models import SendTask
from tests import factories
from tests.live import TEST_QUEUE
from tests.sending_support import many_learners, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
FAST = {"BULKMAIL_BATCH_SIZE": 10, "BULKMAIL_BATCH_LEASE_SECONDS": 5, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 2}
STEP = 30_000


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """
    Chromium, driven through Playwright's synchronous API.

    That API keeps an event loop in the test's thread, where Django refuses ORM calls
    unless told the thread is really synchronous, which it is.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def sending(settings, start_worker):  # pylint: disable=redefined-outer-name
    """A worker on the test queue, and this process (the live server) queuing to it."""
    settings.BULKMAIL_CELERY_QUEUE = TEST_QUEUE
    return start_worker(**FAST)


@pytest.fixture
def open_page(browser, live_server):  # pylint: disable=redefined-outer-name
    """Open a course's Email page as ``user``, signed in through the session cookie."""
    pages = []

    def open_as(user, course_key=factories.COURSE_KEY, viewport=None):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="en-US",
                                      timezone_id="Europe/Paris")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[
            settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        response = page.goto(f"{live_server.url}/bulkmail/courses/{course_key}/")
        page.status = response.status
        pages.append(page)
        return page

    yield open_as
    for page in pages:
        assert page.errors == [], f"JavaScript errors on the page: {page.errors}"
        page.context.close()


def course_staff(username="ines", name="Ines Instructor"):
    person = factories.user(username=username, name=name)
    factories.grant(person, "staff")
    return person


def wait_ready(page):
    page.wait_for_selector("[data-bulkmail][data-ready='true']", timeout=STEP)


def write(page, subject, body):
    page.get_by_label("Subject", exact=True).fill(subject)
    editor = page.frame_locator("[data-editor-frame]").locator("body")
    editor.click()
    editor.type(body)


def choose(page, *group_labels):
    for label in group_labels:
        page.locator(".bm-group", has_text=label).locator("input").check()


def history_row(page, subject):
    return page.locator("[data-history-rows] tr", has_text=subject)


def test_send_to_myself_reaches_my_mailbox(open_page, sending, smtp_server):  # pylint: disable=unused-argument
    factories.course()
    factories.learner()
    me = course_staff()
    page = open_page(me)
    wait_ready(page)

    write(page, "Testing the welcome note", "Hello and welcome!")
    page.get_by_role("button", name="Send to myself").click()

    assert smtp_server.wait_for(1) == 1
    recipient, message = smtp_server.messages[0]
    assert (recipient, message["Subject"]) == (me.email, "Testing the welcome note")


def test_send_to_a_track_and_a_cohort_reaches_success_with_the_right_counts(
        open_page, sending, smtp_server):  # pylint: disable=unused-argument
    factories.course(modes=("audit", "verified"), cohorted=True)
    verified = many_learners(25, prefix="verified")
    CourseEnrollment.objects.filter(user__in=verified).update(mode="verified")
    blue = factories.cohort("Blue Team")
    audit = many_learners(15, prefix="audit")
    for person in audit[:10] + verified[:5]:
        factories.add_to_cohort(person, blue)
    page = open_page(course_staff())
    wait_ready(page)

    write(page, "Week 2 starts", "The second week opens today.")
    choose(page, "Verified", "Blue Team")
    page.wait_for_selector("[data-total]:has-text('35 people')", timeout=STEP)
    page.get_by_role("button", name="Send now").click()
    dialog = page.get_by_role("dialog")
    assert "35 people" in dialog.inner_text()
    dialog.get_by_role("button", name="Send now").click()

    row = history_row(page, "Week 2 starts")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    assert "35 sent, 0 failed, 0 skipped of 35" in row.inner_text()
    assert smtp_server.wait_for(35) == 35


def test_progress_bar_moves_while_a_send_runs(open_page, sending, smtp_server):  # pylint: disable=unused-argument
    factories.course()
    many_learners(60)
    page = open_page(course_staff())
    wait_ready(page)

    write(page, "Your certificate is ready", "Download it from your dashboard.")
    choose(page, "All Learners")
    page.wait_for_selector("[data-total]:has-text('60 people')", timeout=STEP)
    page.get_by_role("button", name="Send now").click()
    page.get_by_role("dialog").get_by_role("button", name="Send now").click()

    row = history_row(page, "Your certificate is ready")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    bar = row.get_by_role("progressbar")
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemax")) == ("60", "60")


def test_progress_is_announced_while_a_send_runs_not_only_when_its_state_changes(open_page, settings, start_worker):
    factories.course()
    many_learners(200)
    settings.BULKMAIL_CELERY_QUEUE = TEST_QUEUE
    start_worker(concurrency=1, BULKMAIL_MAX_MESSAGES_PER_SECOND=20, **FAST)
    page = open_page(course_staff())
    wait_ready(page)

    send_to_all_learners(page, "Halfway there")

    page.wait_for_selector("[data-announcer]:has-text('Halfway there\u201d: still sending')", state="attached",
                           timeout=120_000)


def send_to_all_learners(page, subject):
    write(page, subject, "Hello everyone.")
    choose(page, "All Learners")
    page.get_by_role("button", name="Send now").click()
    page.get_by_role("dialog").get_by_role("button", name="Send now").click()
    return history_row(page, subject)


def test_details_list_the_recipient_the_mail_server_refused(open_page, sending, smtp_server):
    factories.course()
    many_learners(5)
    smtp_server.rcpt_replies["learner3@example.com"] = "550 5.1.1 No such user"
    page = open_page(course_staff())
    wait_ready(page)

    row = send_to_all_learners(page, "Quiz 1 results")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    row.get_by_role("button", name="Details: Quiz 1 results").click()

    failures = page.get_by_role("dialog").locator(".bm-failures")
    failures.wait_for(timeout=STEP)
    assert "1 recipient not reached" in failures.inner_text()
    assert "learner3@example.com" in failures.inner_text()
    assert "No such user" in failures.inner_text()


def test_scheduled_email_can_be_edited_then_deleted(open_page, sending):  # pylint: disable=unused-argument
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)

    write(page, "Exam reminder", "The exam opens next week.")
    choose(page, "All Learners")
    page.get_by_label("Schedule for later").check()
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=2))
    page.get_by_label("Date").fill(tomorrow.strftime("%Y-%m-%d"))
    page.get_by_label("Time").fill("09:30")
    page.get_by_role("button", name="Schedule", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Schedule", exact=True).click()

    scheduled = page.locator("[data-scheduled-rows] tr", has_text="Exam reminder")
    scheduled.wait_for(timeout=STEP)
    scheduled.get_by_role("button", name="Edit: Exam reminder").click()
    page.get_by_label("Subject", exact=True).fill("Exam reminder (room changed)")
    page.get_by_role("button", name="Save changes").click()
    edited = page.locator("[data-scheduled-rows] tr", has_text="Exam reminder (room changed)")
    edited.wait_for(timeout=STEP)

    edited.get_by_role("button", name="Delete: Exam reminder (room changed)").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()

    history_row(page, "Exam reminder (room changed)").locator(".bm-badge--revoked").wait_for(timeout=STEP)
    assert SendTask.objects.get(email__subject="Exam reminder (room changed)").state == SendTask.REVOKED


def test_preview_shows_the_body_in_a_frame_where_its_scripts_cannot_run(open_page):
    factories.course()
    page = open_page(course_staff())
    wait_ready(page)
    page.get_by_label("Subject", exact=True).fill("Hello %%USER_FULLNAME%%")
    page.get_by_role("button", name="HTML source").click()
    page.locator("[data-editor-source]").fill(
        '<p>Hi</p><img src="/nowhere.png" onerror="window.top.document.title=\'script ran\'">')

    page.get_by_role("button", name="Preview").click()

    frame = page.get_by_role("dialog").locator("iframe")
    assert frame.get_attribute("sandbox") == ""
    assert page.frame_locator(".bm-dialog iframe").get_by_text("Hi", exact=True).is_visible()
    assert "Hello Ines Instructor" in page.get_by_role("dialog").inner_text()
    assert page.title() != "script ran"


def test_escape_closes_the_confirmation_and_gives_focus_back(open_page):
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)
    write(page, "Week 3", "Hello")
    choose(page, "All Learners")
    page.get_by_role("button", name="Send now").click()
    page.get_by_role("dialog").wait_for()

    page.keyboard.press("Escape")

    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate("document.activeElement.textContent") == "Send now"
    assert SendTask.objects.exclude(state=SendTask.DRAFT).count() == 0  # kept as a draft, not sent


def test_a_missing_subject_is_reported_next_to_the_subject_field(open_page):
    factories.course()
    page = open_page(course_staff())
    wait_ready(page)
    choose(page, "Myself")

    page.get_by_role("button", name="Send now").click()

    assert page.locator("#bm-subject-error").inner_text() == "Enter a subject."
    assert page.evaluate("document.activeElement.id") == "bm-subject"


def test_a_schedule_the_server_refuses_is_reported_next_to_the_date(open_page):
    factories.course()
    page = open_page(course_staff())
    wait_ready(page)
    write(page, "Too late", "This should have gone out yesterday.")
    choose(page, "Myself")
    page.get_by_label("Schedule for later").check()
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1))
    page.get_by_label("Date").fill(yesterday.strftime("%Y-%m-%d"))
    page.get_by_label("Time").fill("09:30")

    page.get_by_role("button", name="Schedule", exact=True).click()

    error = page.locator("#bm-schedule-error")
    error.get_by_text("past").wait_for(timeout=STEP)
    assert page.get_by_role("dialog").count() == 0  # refused before the instructor is asked to confirm
    assert page.evaluate("document.activeElement.id") == "bm-send-date"
    assert SendTask.objects.exclude(state=SendTask.DRAFT).count() == 0  # still a draft, not scheduled


def test_page_fits_a_phone_screen_without_sideways_scrolling(open_page):
    factories.course(modes=("audit", "verified"), cohorted=True)
    page = open_page(course_staff(), viewport={"width": 375, "height": 800})
    wait_ready(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_learner_gets_the_403_page(open_page):
    factories.course()
    page = open_page(factories.learner())
    assert page.status == 403
    assert page.get_by_role("heading", name="You cannot use this course's email").is_visible()


def test_screenshots_of_compose_and_of_a_send_in_progress(open_page, settings, start_worker, smtp_server, tmp_path):
    """
    Pictures for the documentation: the compose view, then a send part-way through.

    They are written into docs/images only when BULKMAIL_UPDATE_SCREENSHOTS=1 (so a test
    run leaves the tree clean), else into the test's own folder.
    """
    factories.course(modes=("audit", "verified"), cohorted=True, display_name="Introduction to Open Learning")
    many_learners(150)
    factories.cohort("Blue Team")
    settings.BULKMAIL_CELERY_QUEUE = TEST_QUEUE
    start_worker(concurrency=1, BULKMAIL_MAX_MESSAGES_PER_SECOND=15, **FAST)
    page = open_page(course_staff())
    wait_ready(page)
    write(page, "Week 2: peer review opens", "Hello! The peer review for week 2 opens today.")
    choose(page, "All Learners")
    page.wait_for_selector("[data-total]:has-text('150 people')", timeout=STEP)
    images = DOCS_IMAGES if os.environ.get("BULKMAIL_UPDATE_SCREENSHOTS") == "1" else tmp_path
    images.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(images / "compose.png"), full_page=True)

    page.get_by_role("button", name="Send now").click()
    page.get_by_role("dialog").get_by_role("button", name="Send now").click()
    row = history_row(page, "Week 2: peer review opens")
    row.locator(".bm-badge--progress").wait_for(timeout=120_000)
    wait_until(lambda: int(row.get_by_role("progressbar").get_attribute("aria-valuenow")) >= 20, timeout=120)
    page.mouse.move(0, 0)
    page.screenshot(path=str(images / "progress.png"), full_page=True)
    row.locator(".bm-badge--success").wait_for(timeout=180_000)
