"""
Scheduled email with real parts: a Celery worker process on Redis and an SMTP server.

The test process schedules an email through the REST API a few seconds ahead and then only
watches the mailbox and the database; the worker's check task (and, when it is on, its
sweep) must start the send once, after its due time and well within a minute of it.
"""
import json
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_bulkmail_plugin.models import SendTask
from tests import factories
from tests.sending_support import finished, instructor, many_learners, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEARNERS = 5
AHEAD = timedelta(seconds=6)
ON_TIME = timedelta(seconds=60)
FAST_BATCHES = {"BULKMAIL_BATCH_SIZE": 2, "BULKMAIL_BATCH_LEASE_SECONDS": 5}


@pytest.fixture
def course(client):
    factories.course()
    learners = many_learners(LEARNERS)
    client.force_login(instructor())
    return learners


def schedule_email(client, due):
    response = client.post(
        f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/emails/",
        json.dumps({"subject": "Later", "body": "<p>Hello %%USER_FULLNAME%%</p>", "targets": ["learners"],
                    "schedule": due.isoformat()}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return SendTask.objects.get(email_id=response.json()["id"])


def first_message_by(smtp_server, deadline):
    """Poll the mailbox until a message arrives or the deadline passes; whether one arrived."""
    def arrived():
        return bool(smtp_server.messages) or timezone.now() > deadline
    wait_until(arrived, timeout=(deadline - timezone.now()).total_seconds() + 5)
    return bool(smtp_server.messages)


def test_email_scheduled_seconds_ahead_is_delivered_once_within_a_minute_of_due(
        start_worker, smtp_server, course, client):
    start_worker(**FAST_BATCHES)
    due = timezone.now() + AHEAD
    task = schedule_email(client, due)

    assert first_message_by(smtp_server, due + ON_TIME)
    task = wait_until(finished(task), timeout=120)
    assert task.state == SendTask.SUCCESS
    assert task.started_at >= due
    assert Counter(smtp_server.recipients()) == Counter({learner.email: 1 for learner in course})


def test_check_task_alone_renews_itself_and_starts_the_send_on_time(
        start_worker, smtp_server, course, client, settings):
    settings.BULKMAIL_SCHEDULE_CHECK_SECONDS = 2
    start_worker(BULKMAIL_SWEEP_INTERVAL_SECONDS=0, BULKMAIL_SCHEDULE_CHECK_SECONDS=2, **FAST_BATCHES)
    due = timezone.now() + AHEAD
    task = schedule_email(client, due)

    assert first_message_by(smtp_server, due + ON_TIME)
    task = wait_until(finished(task), timeout=120)
    assert task.started_at >= due
    assert Counter(smtp_server.recipients()) == Counter({learner.email: 1 for learner in course})


def test_revoked_email_is_never_sent_by_the_worker(start_worker, smtp_server, course, client, settings):
    settings.BULKMAIL_SCHEDULE_CHECK_SECONDS = 2
    start_worker(BULKMAIL_SWEEP_INTERVAL_SECONDS=1, BULKMAIL_SCHEDULE_CHECK_SECONDS=2, **FAST_BATCHES)
    due = timezone.now() + timedelta(seconds=3)
    task = schedule_email(client, due)
    response = client.delete(f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/emails/{task.email_id}/")
    assert response.status_code == 200
    control = schedule_email(client, due)

    wait_until(finished(control), timeout=120)
    assert SendTask.objects.get(pk=task.pk).state == SendTask.REVOKED
    assert len(smtp_server.messages) == LEARNERS
