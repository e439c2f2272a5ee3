"""
Suppression end to end, on a real worker and a real SMTP server: a mailbox the server says
does not exist is skipped by the next send, which says why and counts it apart.
"""
import pytest

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Delivery, SendTask, Suppression
from tests import factories
from tests.sending_support import finished, instructor, many_learners, send_to_learners, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAST = {"BULKMAIL_BATCH_SIZE": 10, "BULKMAIL_CONCURRENT_CONNECTIONS": 4, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 2}


def test_mailbox_refused_as_unknown_is_skipped_by_the_next_send_with_the_reason(start_worker, smtp_server):
    factories.course()
    people = many_learners(30)
    gone = people[7]
    smtp_server.rcpt_replies = {gone.email: "550 5.1.1 <learner7@example.com>: user unknown"}
    sender = instructor()
    start_worker(**FAST)

    first = wait_until(finished(send_to_learners(sender, subject="Week 1")))

    assert api.counts(first) == {"total": 30, "sent": 29, "failed": 1, "skipped": 0, "suppressed": 0, "cancelled": 0}
    assert Suppression.objects.get(address=gone.email).reason == Suppression.HARD_BOUNCE
    smtp_server.messages.clear()

    second = wait_until(finished(send_to_learners(sender, subject="Week 2")))

    assert second.state == SendTask.SUCCESS
    assert gone.email not in smtp_server.recipients()
    assert len(smtp_server.recipients()) == 29
    assert api.counts(second) == {"total": 30, "sent": 29, "failed": 0, "skipped": 0, "suppressed": 1, "cancelled": 0}
    row = Delivery.objects.get(task=second, user=gone)
    assert row.status == Delivery.SUPPRESSED
    assert row.last_error.startswith("This address bounced on ")
    assert row.last_error.endswith(": 550 5.1.1 <learner7@example.com>: user unknown")
