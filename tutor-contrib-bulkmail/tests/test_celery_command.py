"""
Rewriting Celery worker commands, without Tutor's command line.
"""
import pytest
from tutor.exceptions import TutorError

from tutorbulkmail.celery_command import check_queue_name, dedicated_worker_command, with_queue_consumed

LMS_WORKER = ["celery", "--app=lms.celery", "worker", "--hostname=lms.%h", "--queues=a,b", "--without-mingle"]


def test_queue_is_appended_to_the_existing_queue_list():
    assert with_queue_consumed(LMS_WORKER, "mail")[4] == "--queues=a,b,mail"


def test_queue_already_consumed_is_not_listed_twice():
    assert with_queue_consumed(["--queues=a,mail"], "mail") == ["--queues=a,mail"]


def test_other_arguments_keep_their_order():
    rewritten = with_queue_consumed(LMS_WORKER, "mail")
    assert [arg for arg in rewritten if not arg.startswith("--queues=")] == [
        arg for arg in LMS_WORKER if not arg.startswith("--queues=")
    ]


def test_command_without_queue_list_is_left_alone():
    command = ["celery", "--app=lms.celery", "worker"]
    assert with_queue_consumed(command, "mail") == command


def test_dedicated_worker_replaces_queues_and_node_name():
    command = dedicated_worker_command(LMS_WORKER, "mail")
    assert [arg for arg in command if arg.startswith(("--queues=", "--hostname="))] == [
        "--hostname=mail.%h", "--queues=mail",
    ]


def test_dedicated_worker_concurrency_replaces_autoscaling():
    command = dedicated_worker_command([*LMS_WORKER, "--autoscale=8,1"], "mail", concurrency=3)
    assert "--autoscale=8,1" not in command
    assert command[-1] == "--concurrency=3"


def test_dedicated_worker_without_concurrency_keeps_lms_worker_flags():
    command = dedicated_worker_command([*LMS_WORKER, "--autoscale=8,1"], "mail")
    assert "--autoscale=8,1" in command


@pytest.mark.parametrize("queue", ["", "a,b", "a b", None])
def test_unusable_queue_names_are_refused(queue):
    with pytest.raises(TutorError):
        check_queue_name(queue)
