"""
The LMS worker's Celery command line, and the dedicated bulk-mail worker's.

Tutor builds the LMS worker's command from the ``LMS_WORKER_COMMAND`` filter. These
functions rewrite that list of arguments instead of writing a command of their own, so
Tutor's flags, and other plugins' changes to them, stay in force.
"""
from tutor.exceptions import TutorError

QUEUES_OPTION = "--queues="
HOSTNAME_OPTION = "--hostname="
CONCURRENCY_OPTIONS = ("--concurrency=", "--autoscale=")


def check_queue_name(queue):
    """
    Refuse a queue name that cannot sit in a ``--queues=`` list.

    A comma or a space would silently split it into other queues, and the worker would
    wait on a queue nobody sends to: better to stop ``tutor config save`` with the reason.
    """
    if not isinstance(queue, str) or not queue or any(c in queue for c in ", \t\n"):
        raise TutorError(
            f"BULKMAIL_CELERY_QUEUE must be a queue name without commas or spaces, not {queue!r}"
        )


def with_queue_consumed(command, queue):
    """
    Return ``command`` with ``queue`` added to its one ``--queues=`` list.

    A second ``--queues`` option would not add to the first: Celery keeps only the last
    one, and the worker would stop consuming Tutor's queues. A command without the option
    is left as it is, since narrowing it to a list would drop the queues it consumes now.
    """
    rewritten = []
    for argument in command:
        if argument.startswith(QUEUES_OPTION):
            queues = _split_queues(argument)
            if queue not in queues:
                queues.append(queue)
            argument = QUEUES_OPTION + ",".join(queues)
        rewritten.append(argument)
    return rewritten


def dedicated_worker_command(lms_worker_command, queue, concurrency=None):
    """
    Return the command of a worker that consumes ``queue`` and nothing else.

    It starts from the LMS worker's command, so it runs the same Celery app with the same
    settings and flags; only the queue list, the node name (two workers on one host must
    not share it) and, when given, the concurrency differ.
    """
    command = [
        argument for argument in lms_worker_command
        if not argument.startswith((QUEUES_OPTION, HOSTNAME_OPTION))
        and not (concurrency and argument.startswith(CONCURRENCY_OPTIONS))
    ]
    command += [f"{HOSTNAME_OPTION}{queue}.%h", f"{QUEUES_OPTION}{queue}"]
    if concurrency:
        command.append(f"--concurrency={int(concurrency)}")
    return command


def _split_queues(argument):
    return [name for name in argument[len(QUEUES_OPTION):].split(",") if name]
