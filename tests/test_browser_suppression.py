"""
The Email page in headless Chromium: a send that skipped an address which bounced before
says so in its progress and its details.
"""
import pytest

from openedx_bulkmail_plugin.deliverability import suppressions
from openedx_bulkmail_plugin.models import Suppression
from tests import factories
from tests.sending_support import many_learners
from tests.test_browser import (  # noqa: F401  (the page's fixtures)  pylint: disable=unused-import
    STEP,
    browser,
    course_staff,
    open_page,
    send_to_all_learners,
    sending,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_details_say_how_many_addresses_were_skipped_for_bouncing(open_page, sending):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    factories.course()
    many_learners(5)
    suppressions.suppress("learner3@example.com", Suppression.HARD_BOUNCE, "550 5.1.1 No such user", "smtp")
    page = open_page(course_staff())
    wait_ready(page)

    row = send_to_all_learners(page, "Quiz 2 results")
    row.locator(".bm-badge--success").wait_for(timeout=120_000)
    bar = row.get_by_role("progressbar")
    assert bar.get_attribute("aria-valuenow") == "5"
    assert "4 sent, 0 failed, 0 skipped, 1 suppressed of 5" in row.inner_text()
    row.get_by_role("button", name="Details: Quiz 2 results").click()

    dialog = page.get_by_role("dialog")
    dialog.get_by_text("1 address skipped: bounced or complained before").wait_for(timeout=STEP)
