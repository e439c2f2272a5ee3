"""
The Email page in headless Chromium: honest words and numbers around a send.

A stopped send counts the recipients it never reached apart from opt-outs and keeps its
row moving until the last message in flight is recorded; a send still preparing says so
instead of "0 of 0", and says how many it has sent while it writes the rest of its
recipient list; the banner follows the send to its end; a deleted scheduled email says it
was deleted; and the server checks a message before the instructor confirms it.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Delivery, SendTask
from openedx_bulkmail_plugin.recipients import UserRange, for_email
from openedx_bulkmail_plugin.sending import ledger, progress, ranges, tasks
from tests import factories
from tests.live import TEST_QUEUE
from tests.sending_support import many_learners, wait_until
from tests.test_browser import (  # noqa: F401  (the page's fixtures)  pylint: disable=unused-import
    FAST,
    STEP,
    browser,
    choose,
    course_staff,
    history_row,
    open_page,
    send_to_all_learners,
    sending,
    wait_ready,
    write,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def final_counts_text(task):
    """The progress line the page should end on, from the frozen counts."""
    parts = [f"{task.sent} sent", f"{task.failed} failed", f"{task.skipped} skipped"]
    if task.suppressed:
        parts.append(f"{task.suppressed} suppressed")
    if task.cancelled:
        parts.append(f"{task.cancelled} not sent: stopped")
    return f"{', '.join(parts)} of {task.total}"


@pytest.mark.e2e
def test_a_stopped_send_counts_the_unsent_apart_and_its_row_ends_on_the_final_counts(
        open_page, settings, start_worker):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    many_learners(200)
    settings.BULKMAIL_CELERY_QUEUE = TEST_QUEUE
    start_worker(concurrency=1, BULKMAIL_MAX_MESSAGES_PER_SECOND=10, **FAST)
    page = open_page(course_staff())
    wait_ready(page)

    row = send_to_all_learners(page, "Office hours moved")
    row.get_by_text(" sent, ").wait_for(timeout=120_000)
    row.get_by_role("button", name="Stop sending: Office hours moved").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop sending").click()

    row.locator(".bm-badge--revoked").wait_for(timeout=STEP)
    task = wait_until(lambda: SendTask.objects.filter(state=SendTask.REVOKED).first(), timeout=60)
    wait_until(lambda: api.counts_are_final(SendTask.objects.get(id=task.id)), timeout=60)
    task.refresh_from_db()
    assert task.sent < 200  # the stop came in time
    assert task.cancelled > 0 and task.skipped == 0
    assert task.sent + task.cancelled == task.total == 200
    row.get_by_text(final_counts_text(task)).wait_for(timeout=STEP)


def test_a_send_not_yet_started_says_it_is_preparing_the_recipient_list(open_page, monkeypatch):  # noqa: F811  pylint: disable=redefined-outer-name
    monkeypatch.setattr(tasks, "enqueue_start", lambda task_id: None)  # no worker has taken it yet
    factories.course()
    many_learners(3)
    page = open_page(course_staff())
    wait_ready(page)

    row = send_to_all_learners(page, "Waiting for a worker")

    row.get_by_text("Preparing the recipient list\u2026").wait_for(timeout=STEP)
    assert SendTask.objects.get().state == SendTask.PENDING
    assert " of 0" not in row.inner_text()
    assert row.get_by_role("progressbar").get_attribute("aria-valuenow") is None


def test_a_send_still_writing_its_ledger_says_how_many_it_has_sent_so_far(open_page, monkeypatch):  # noqa: F811  pylint: disable=redefined-outer-name
    monkeypatch.setattr(tasks, "enqueue_start", lambda task_id: None)  # the start is played by hand below
    factories.course()
    learners = many_learners(4)
    page = open_page(course_staff())
    wait_ready(page)
    row = send_to_all_learners(page, "First range out")
    row.get_by_text("Preparing the recipient list\u2026").wait_for(timeout=STEP)

    # A large start: its first range is written and two of its messages accepted, the rest still to write.
    task = SendTask.objects.get()
    progress.begin(task.id)
    first_two = sorted(learner.id for learner in learners)[1]
    ranges.write_range(task, for_email(task.email, UserRange(0, first_two)), chunk=2)
    ledger.mark_all_sent(list(Delivery.objects.filter(task=task).values_list("id", flat=True)))

    row.get_by_text("2 sent so far; the rest of the recipient list is being prepared\u2026").wait_for(timeout=STEP)
    assert SendTask.objects.get().state == SendTask.STARTED
    assert row.get_by_role("progressbar").get_attribute("aria-valuenow") is None


@pytest.mark.e2e
def test_the_banner_says_how_the_send_ended_once_it_has(open_page, sending, smtp_server):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    factories.course()
    many_learners(3)
    page = open_page(course_staff())
    wait_ready(page)

    send_to_all_learners(page, "All done soon")
    banner = page.locator("[data-notice='success']")
    banner.get_by_text("Your email is being sent").wait_for(timeout=STEP)

    banner.get_by_text("\u201cAll done soon\u201d: Success. 3 sent, 0 failed, 0 skipped of 3.").wait_for(
        timeout=120_000)


def test_a_scheduled_email_deleted_before_its_time_says_so_in_the_history(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)
    write(page, "Never mind", "Plans changed.")
    choose(page, "All Learners")
    page.get_by_label("Schedule for later").check()
    page.get_by_label("Date").fill(timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d"))
    page.get_by_label("Time").fill("09:30")
    page.get_by_role("button", name="Schedule", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Schedule", exact=True).click()

    scheduled = page.locator("[data-scheduled-rows] tr", has_text="Never mind")
    scheduled.get_by_role("button", name="Delete: Never mind").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()

    history_row(page, "Never mind").locator(".bm-badge--revoked", has_text="Deleted before sending").wait_for(
        timeout=STEP)
    assert SendTask.objects.get(email__subject="Never mind").state == SendTask.REVOKED


def test_a_message_too_long_is_refused_before_any_confirmation(open_page, settings):  # noqa: F811  pylint: disable=redefined-outer-name
    settings.BULKMAIL_MAX_BODY_BYTES = 2_000
    factories.course()
    factories.learner()
    page = open_page(course_staff())
    wait_ready(page)
    write(page, "A long story", "x" * 2_500)
    choose(page, "All Learners")

    page.get_by_role("button", name="Send now").click()

    error = page.locator("#bm-body-error")
    error.get_by_text("The message is too long: 2.5 kB; the limit is 2 kB.").wait_for(timeout=STEP)
    assert page.get_by_role("dialog").count() == 0
    assert not SendTask.objects.exclude(state=SendTask.DRAFT).exists()  # nothing sent (a draft may be kept)


def test_an_empty_form_names_each_problem_once_and_focuses_the_first_field(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    page = open_page(course_staff())
    wait_ready(page)

    page.get_by_role("button", name="Send now").click()

    text = page.locator("[data-compose]").inner_text()
    assert text.count("Select at least one recipient group or name a learner.") == 1
    assert page.locator("#bm-subject-error").inner_text() == "Enter a subject."
    assert page.locator("#bm-body-error").inner_text() == "Enter a message."
    assert page.evaluate("document.activeElement.closest('[data-groups]') !== null")
    assert page.get_by_role("dialog").count() == 0
