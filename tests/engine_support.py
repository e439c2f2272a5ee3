"""
The sending engine run in-process, with a scripted mailer where a test needs the mail
server to answer something in particular: what the engine's unit tests share.
"""
from concurrent.futures import Future

import pytest

from openedx_bulkmail_plugin.models import CourseEmail, Delivery, SendTask
from openedx_bulkmail_plugin.sending import ledger, progress, tasks
from openedx_bulkmail_plugin.sending.outcomes import DeliveryError
from tests import factories
from tests.sending_support import instructor, many_learners


class ScriptedMailer:
    """
    Stands in for the Mailer: accepts every message except those scripted per address.

    An outcome is an exception to raise, a list of them (one per try), or a callable run
    while the message is "in flight" that returns one (or None to accept). Each message
    is answered before ``submit`` returns, one at a time.
    """

    outcomes = {}
    accepted = []
    concurrency = 1

    def __init__(self, email, course, **options):
        self.email = email

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def submit(self, user):
        answer = Future()
        try:
            self.send(user)
        except DeliveryError as error:
            answer.set_exception(error)
        else:
            answer.set_result(None)
        return answer

    def send(self, user):
        scripted = self.outcomes.get(user.email)
        outcome = scripted.pop(0) if isinstance(scripted, list) and scripted else scripted
        if callable(outcome) and not isinstance(outcome, Exception):
            outcome = outcome()
        if isinstance(outcome, Exception):
            raise outcome
        self.accepted.append(user.email)


@pytest.fixture
def mailer(monkeypatch):
    monkeypatch.setattr("openedx_bulkmail_plugin.sending.batch.Mailer", ScriptedMailer)
    ScriptedMailer.outcomes = {}
    ScriptedMailer.accepted = []
    return ScriptedMailer


@pytest.fixture
def people(settings):
    """Ten learners, batches of four: batches of 4, 4 and 2."""
    settings.BULKMAIL_BATCH_SIZE = 4
    settings.BULKMAIL_RETRY_BACKOFF_SECONDS = 0
    factories.course()
    return many_learners(10)


def pending_send(targets=("learners",)):
    email = CourseEmail.objects.create(
        course_id=factories.COURSE_KEY, sender=instructor(), subject="Week 1", html_message="<p>Hi</p>",
        targets=list(targets))
    return SendTask.objects.create(email=email, state=SendTask.PENDING)


def ledger_written(task):
    """The send with its ledger and batches written, and no batch sent yet."""
    progress.begin(task.id)
    tasks.write_ledger(task.id)
    task.refresh_from_db()
    return task


def statuses(task):
    return dict(Delivery.objects.filter(task=task).values_list("user__email", "status"))


def failing_from_call(monkeypatch, owner, name, number, error):
    """
    ``owner.name`` raises ``error`` from its ``number``-th call on (a worker killed mid-ledger,
    say); the calls before run as usual. Returns the real function, to put back.
    """
    real = getattr(owner, name)
    calls = []

    def counted(*args):
        calls.append(1)
        if len(calls) >= number:
            raise error
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return real


def stale_bounds_first(monkeypatch):
    """
    The first search for the ledger's ranges finds none, as if every learner enrolled after
    it: one range then holds them all. Returns the list of searches made.
    """
    real = ledger.chunk_bounds
    calls = []

    def stale_once(*args):
        calls.append(1)
        return [] if len(calls) == 1 else real(*args)

    monkeypatch.setattr(ledger, "chunk_bounds", stale_once)
    return calls
