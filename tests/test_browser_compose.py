"""
Composing like a course team in headless Chromium: the draft is saved while typing and is
still there after a reload, an email starts from a template, and the once-a-week guard
warns about learners who already got an email this week.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import CourseEmail, CourseTemplate, Delivery, SendTask
from tests import factories
from tests.test_browser import browser, choose, course_staff, open_page, wait_ready, write  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 30_000


@pytest.fixture
def course_page(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    """The Email page of a course with two learners, opened by its staff member."""
    factories.course()
    for name in ("ann", "bob"):
        factories.learner(username=name)
    page = open_page(course_staff())
    wait_ready(page)
    return page


def saved(page):
    page.wait_for_selector("[data-draft-state]:has-text('Draft saved')", timeout=STEP)


def editor_text(page):
    return page.frame_locator("[data-editor-frame]").locator("body").inner_text()


def test_a_draft_is_saved_while_typing_and_is_there_after_a_reload(course_page):
    write(course_page, "Week 4: the project", "Start your project this week.")
    choose(course_page, "All Learners")
    course_page.wait_for_selector("[data-total]:has-text('2 people')", timeout=STEP)

    saved(course_page)
    course_page.wait_for_function(
        "() => document.querySelector('.bm-group input[value=learners]').checked", timeout=STEP)
    course_page.wait_for_selector("[data-drafts-rows] tr:has-text('All Learners')", timeout=STEP)
    course_page.reload()
    wait_ready(course_page)

    assert course_page.get_by_label("Subject", exact=True).input_value() == "Week 4: the project"
    assert "Start your project this week." in editor_text(course_page)
    assert course_page.locator(".bm-group", has_text="All Learners").locator("input").is_checked()
    row = course_page.locator("[data-drafts-rows] tr", has_text="Week 4: the project")
    assert "Ines Instructor" in row.inner_text()
    draft = CourseEmail.objects.get(subject="Week 4: the project")
    assert (draft.send_task.state, draft.targets) == (SendTask.DRAFT, ["learners"])


def test_sending_an_open_draft_sends_it_once_and_it_leaves_the_drafts(course_page):
    write(course_page, "Quiz tomorrow", "Revise chapter 3.")
    choose(course_page, "All Learners")
    saved(course_page)

    course_page.get_by_label("Schedule for later").check()
    course_page.get_by_label("Date").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    course_page.get_by_label("Time").fill("09:00")
    course_page.locator("[data-submit]").click()
    course_page.get_by_role("dialog").get_by_role("button", name="Schedule").click()

    course_page.locator("[data-scheduled-rows] tr", has_text="Quiz tomorrow").wait_for(timeout=STEP)
    course_page.wait_for_selector("[data-drafts-empty]:visible", timeout=STEP)
    email = CourseEmail.objects.get()
    assert email.send_task.state == SendTask.SCHEDULED


def test_an_email_starts_from_a_template(open_page):  # noqa: F811  pylint: disable=redefined-outer-name
    factories.course()
    staffer = course_staff()
    CourseTemplate.objects.create(course_id=factories.COURSE_KEY, name="Weekly summary",
                                  subject="This week in the course", body="<p>Here is what happened.</p>")
    page = open_page(staffer)
    wait_ready(page)

    page.get_by_role("button", name="Use: Weekly summary").click()

    page.locator("[data-notice='success']").get_by_text("Weekly summary").wait_for(timeout=STEP)
    assert page.evaluate("document.getElementById('bm-subject').value") == "This week in the course"
    assert "Here is what happened." in editor_text(page)
    assert page.evaluate("document.activeElement.id") == "bm-subject"


def test_the_form_is_saved_as_a_template_by_keyboard(course_page):
    write(course_page, "Office hours", "Office hours move to Friday.")

    course_page.get_by_role("button", name="Save as template").focus()
    course_page.keyboard.press("Enter")
    dialog = course_page.get_by_role("dialog")
    dialog.get_by_label("Template name").fill("Office hours moved")
    course_page.keyboard.press("Enter")

    course_page.locator("[data-templates-rows] tr", has_text="Office hours moved").wait_for(timeout=STEP)
    template = CourseTemplate.objects.get()
    assert (template.subject, "Office hours move to Friday." in template.body) == ("Office hours", True)


def test_a_template_name_in_use_is_said_in_the_dialog(course_page):
    CourseTemplate.objects.create(course_id=factories.COURSE_KEY, name="Reminder")
    write(course_page, "Reminder", "Do not forget.")

    course_page.get_by_role("button", name="Save as template").click()
    course_page.get_by_role("dialog").get_by_role("button", name="Save template").click()

    course_page.wait_for_selector("#bm-ask-error:has-text('already exists')", timeout=STEP)
    assert course_page.get_by_role("dialog").is_visible()


def test_the_guard_warns_when_learners_got_an_email_this_week(course_page):
    learners = list(factories.get_user_model().objects.filter(username__in=("ann", "bob")))
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, subject="Monday news",
                                       html_message="<p>x</p>", targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.SUCCESS,
                                   started_at=timezone.now() - timedelta(days=2))
    Delivery.objects.bulk_create([Delivery(task=task, user=person, status=Delivery.SENT) for person in learners])

    choose(course_page, "All Learners")

    warning = course_page.locator("[data-recent-emails]")
    course_page.wait_for_selector("[data-recent-emails]:has-text('1 other email')", timeout=STEP)
    assert "within 7 days of this one" in warning.inner_text()
    assert course_page.locator("[data-submit]").is_enabled()

    write(course_page, "Thursday news", "More news.")
    course_page.get_by_role("button", name="Send now").click()
    dialog = course_page.get_by_role("dialog")
    dialog.wait_for(timeout=STEP)
    assert "1 other email" in dialog.inner_text()  # repeated where the decision is made


def test_the_guard_says_nothing_when_the_send_is_weeks_away(course_page):
    learners = list(factories.get_user_model().objects.filter(username__in=("ann", "bob")))
    email = CourseEmail.objects.create(course_id=factories.COURSE_KEY, subject="Monday news",
                                       html_message="<p>x</p>", targets=["learners"])
    task = SendTask.objects.create(email=email, state=SendTask.SUCCESS, started_at=timezone.now())
    Delivery.objects.bulk_create([Delivery(task=task, user=person, status=Delivery.SENT) for person in learners])
    choose(course_page, "All Learners")
    course_page.wait_for_selector("[data-recent-emails]:has-text('1 other email')", timeout=STEP)

    course_page.get_by_label("Schedule for later").check()
    course_page.get_by_label("Date").fill((timezone.localdate() + timedelta(days=21)).isoformat())
    course_page.get_by_label("Time").fill("09:00")

    course_page.wait_for_function("() => !document.querySelector('[data-recent-emails]').textContent",
                                  timeout=STEP)


def test_a_draft_changed_by_a_colleague_is_not_overwritten_and_can_be_reloaded(course_page):
    write(course_page, "Week 5", "Hello")
    saved(course_page)
    colleague = factories.user(username="colette", name="Colette Colleague")
    draft = CourseEmail.objects.get(subject="Week 5")
    CourseEmail.objects.filter(pk=draft.pk).update(subject="Week 5 (Colette)", version=draft.version + 1,
                                                   modified_by=colleague)

    course_page.get_by_label("Subject", exact=True).fill("Week 5 (Ines)")

    state = course_page.locator("[data-draft-state]")
    course_page.wait_for_selector("[data-draft-state]:has-text('Colette Colleague changed this draft')",
                                  timeout=STEP)
    assert state.inner_text().startswith("Not saved:")
    assert "reload it" in state.inner_text()
    assert CourseEmail.objects.get(pk=draft.pk).subject == "Week 5 (Colette)"
    course_page.get_by_role("button", name="Reload the draft").click()
    course_page.wait_for_function("() => document.getElementById('bm-subject').value === 'Week 5 (Colette)'",
                                  timeout=STEP)


def test_a_draft_is_opened_and_deleted_from_the_list_by_keyboard(course_page):
    write(course_page, "First draft", "One")
    saved(course_page)
    course_page.get_by_role("button", name="New email").click()
    # Each action ends by putting focus in the Subject field: wait for its notice, as a user
    # waits to see it done, before moving focus elsewhere.
    notice = course_page.locator("[data-notice='success']")
    notice.get_by_text("The form is empty for a new email").wait_for(timeout=STEP)
    assert course_page.evaluate("document.getElementById('bm-subject').value") == ""

    course_page.get_by_role("button", name="Open: First draft").focus()
    course_page.keyboard.press("Enter")
    notice.get_by_text("The draft \u201cFirst draft\u201d is open in the form.").wait_for(timeout=STEP)
    assert course_page.evaluate("document.getElementById('bm-subject').value") == "First draft"
    course_page.get_by_role("button", name="Delete: First draft").focus()
    course_page.keyboard.press("Enter")
    course_page.get_by_role("dialog").get_by_role("button", name="Delete").click()

    course_page.wait_for_selector("[data-drafts-empty]:visible", timeout=STEP)
    assert not CourseEmail.objects.exists()
