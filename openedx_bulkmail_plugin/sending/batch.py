"""
Sending one claimed batch: many messages in flight, outcomes written to the ledger in groups.

    rows still owed  ->  skip who opted out, and suppressed addresses (one query each, again every few seconds)
                     ->  render, wait for the rate limit, hand to a free mail session
                     ->  collect outcomes  ->  mark accepted rows in grouped UPDATEs

The batch's own thread does all the database work, keeps the lease while anything waits
(a slow relay, the rate limit) and decides when to stop: a cancel, a send that failed, or
a lease another worker now holds. A row someone else settled meanwhile is no reason to
stop by itself: after a takeover, the previous owner's copy may be accepted first.

A refusal for one recipient marks that row and goes on; a temporary failure hands the
batch back for a later retry of the rows still owed; a misconfigured site fails the whole
send with a reason the instructor can read.
"""
import logging
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .. import platform
from ..conf import bulkmail_settings
from ..deliverability import suppressions
from ..models import Delivery, SendTask, Suppression
from . import leases, ledger, progress
from .mailer import Mailer
from .outcomes import MailboxGone, RecipientRefused, RecipientSkipped, SendingMisconfigured, TemporaryFailure
from .policy import known_opt_outs

log = logging.getLogger(__name__)

MARK_EVERY_SECONDS = 0.2
LONGEST_WAIT_SECONDS = 1.0


@dataclass
class Outcome:
    """How a batch ended: ``finished`` (done, or stopped for good) or due for a retry in ``retry_in`` seconds."""

    finished: bool
    retry_in: float = None


class LeaseLost(Exception):
    """Another worker holds the batch now: stop at once, and leave the batch to it."""


class BatchSend:
    """One claimed batch: its rows still owed a message, sent over several sessions at once."""

    def __init__(self, batch):
        self.batch = batch
        self.task = batch.task
        self.email = self.task.email
        self.lease_renewed_at = None
        self.ledger_marks = ledger.Marks()
        self.in_flight = {}
        self.trouble = None
        self.trouble_row = None
        self.stopping = False
        self.lease_is_lost = False
        self.opted_out = set()
        self.suppressed = set()
        self.checked_at = None
        self.delivered = 0

    def run(self):
        """Send what the batch still owes; return its :class:`Outcome`."""
        if self.task.state not in progress.SENDING:
            return self.finish()
        if not self.keep_lease():
            return self.stop()
        rows = ledger.rows_to_send(self.batch)
        self.check_send()
        if self.stopping:
            return self.stop()
        try:
            with known_opt_outs(self.email.course_id, self.opted_out):
                self.send_all(rows)
        except LeaseLost:
            return self.stop()
        except (TemporaryFailure, SendingMisconfigured) as trouble:
            self.trouble = self.trouble or trouble
        if isinstance(self.trouble, TemporaryFailure):
            return self.retry_later(self.trouble.reply)
        if isinstance(self.trouble, SendingMisconfigured):
            return self.fail_send(self.trouble.reply)
        return self.stop() if self.stopping else self.finish()

    def send_all(self, rows):
        """Hand every row to the mailer, keeping at most its concurrency in flight; then drain."""
        if not rows:
            return
        course = platform.get_course(self.email.course_id)
        with Mailer(self.email, course, while_waiting=self.hold_lease) as mailer:
            try:
                for row in rows:
                    self.tend()
                    if self.stopping or self.trouble is not None:
                        break
                    if row.user_id not in self.opted_out and row.user_id not in self.suppressed:
                        self.make_room(mailer.concurrency)
                        self.submit(mailer, row)
            finally:
                self.drain()
                self.record_marks()

    def submit(self, mailer, row):
        try:
            future = mailer.submit(row.user)
        except LeaseLost:
            raise
        except Exception as error:  # pylint: disable=broad-except
            self.settle_row(row, error)
            return
        self.in_flight[future] = row

    def tend(self):
        """Between two messages: keep the lease, mark what was accepted, re-check opt-outs and the send."""
        self.hold_lease()
        self.collect(timeout=0)
        if self.ledger_marks.due(MARK_EVERY_SECONDS, bulkmail_settings.MARK_EVERY_MESSAGES):
            self.record_marks()
        if time.monotonic() - self.checked_at >= bulkmail_settings.OPTOUT_RECHECK_SECONDS:
            self.check_send()

    def make_room(self, concurrency):
        """Wait until fewer than ``concurrency`` messages are in flight, keeping the lease and marks meanwhile."""
        while len(self.in_flight) >= concurrency:
            self.collect(timeout=LONGEST_WAIT_SECONDS)
            self.hold_lease()
            if self.ledger_marks.due(MARK_EVERY_SECONDS, bulkmail_settings.MARK_EVERY_MESSAGES):
                self.record_marks()

    def drain(self):
        """Wait for every message in flight: whatever happens next, each one's outcome is recorded."""
        while self.in_flight:
            self.collect(timeout=LONGEST_WAIT_SECONDS)
            if self.in_flight and not self.keep_lease():
                self.stopping = True

    def collect(self, timeout):
        """Record the outcome of every message that finished within ``timeout`` seconds."""
        if not self.in_flight:
            return
        done, _pending = wait(list(self.in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            row = self.in_flight.pop(future)
            error = future.exception()
            if error is None:
                self.delivered += 1
                self.ledger_marks.sent(row)
            else:
                self.settle_row(row, error)

    def settle_row(self, row, error):
        """Record a message that was not accepted; a failure of the whole batch stops sending."""
        if isinstance(error, (TemporaryFailure, SendingMisconfigured)):
            if self.trouble is None:
                self.trouble = error
                self.trouble_row = row
            return
        if isinstance(error, RecipientSkipped):
            still_owed = ledger.mark(row, Delivery.SKIPPED, error.reply, attempted=False)
        elif isinstance(error, RecipientRefused):
            with transaction.atomic():  # the refusal and the suppression it implies stand or fall together
                still_owed = ledger.mark(row, Delivery.FAILED, error.reply)
                if isinstance(error, MailboxGone):  # mailing it again would only cost the site's reputation
                    suppressions.suppress(row.user.email, Suppression.HARD_BOUNCE, error.reply, source="smtp")
        else:  # a fault with this one message (a learner's odd data): fail the row, go on
            log.error("Bulk email batch %s could not send to ledger row %s: %r", self.batch.id, row.id, error)
            still_owed = ledger.mark(row, Delivery.FAILED, str(error) or type(error).__name__)
        if not still_owed and not self.still_sending():
            self.stopping = True

    def record_marks(self):
        """Write the accepted rows in one UPDATE; rows settled by someone else meanwhile are re-checked."""
        if not self.ledger_marks.record() and not self.still_sending():
            self.stopping = True

    def check_send(self):
        """Skip the rows of learners who opted out, and of suppressed addresses; whether the send still runs."""
        self.checked_at = time.monotonic()
        self.opted_out |= ledger.skip_opted_out(
            self.batch, self.email.course_id, _("The learner opted out of this course's email."))
        self.suppressed |= ledger.skip_suppressed(self.batch)
        if not self.send_is_running():
            self.stopping = True
        return not self.stopping

    def send_is_running(self):
        return SendTask.objects.filter(id=self.task.id, state__in=progress.SENDING).exists()

    def still_sending(self):
        """Whether the send still runs and the batch is still ours (renewing the lease to know)."""
        if not self.send_is_running():
            return False
        self.lease_renewed_at = None
        return self.keep_lease()

    def keep_lease(self):
        """Renew the lease every third of its length; False once the batch is no longer ours."""
        due = self.lease_renewed_at is None or (
            time.monotonic() - self.lease_renewed_at >= bulkmail_settings.BATCH_LEASE_SECONDS / 3)
        if not due:
            return True
        self.lease_renewed_at = time.monotonic()
        if not leases.renew(self.batch):
            self.lease_is_lost = True
        return not self.lease_is_lost

    def hold_lease(self):
        """Keep the lease while sending or waiting; raise :class:`LeaseLost` once it is gone."""
        if not self.keep_lease():
            self.stopping = True
            raise LeaseLost()  # the messages in flight are still drained and recorded

    def stop(self):
        """The send was cancelled or failed (the batch is done), or another worker took the batch over."""
        log.info("Bulk email batch %s stops: its send was cancelled, failed or taken over.", self.batch.id)
        return Outcome(finished=True) if self.lease_is_lost else self.finish()

    def retry_later(self, reply):
        """
        Hand the batch back with a backoff, or give up on its unsent rows after the last attempt.

        Attempts count consecutive failures: a batch that got messages through meanwhile
        starts afresh, so a long batch on a flaky link is not failed for old troubles.
        """
        if self.trouble_row is not None:
            ledger.record_attempt(self.trouble_row, reply)
        attempts = 1 if self.delivered else self.batch.attempts + 1
        if attempts >= bulkmail_settings.RETRY_MAX_ATTEMPTS:
            log.warning("Bulk email batch %s gives up after %d attempts: %s", self.batch.id, attempts, reply)
            ledger.settle_unsent(ledger.rows(self.batch), Delivery.FAILED, reply)
            return self.finish()
        delay = leases.release_for_retry(self.batch, attempts)
        log.info("Bulk email batch %s retries in %.1fs (attempt %d): %s", self.batch.id, delay, attempts, reply)
        return Outcome(finished=False, retry_in=delay)

    def fail_send(self, reason):
        """The site cannot send at all: the whole send fails, and every row still owed says why."""
        log.error("Bulk email send %s failed: %s", self.task.id, reason)
        with transaction.atomic():
            progress.fail(self.task.id, reason)
            ledger.settle_unsent(ledger.unsent(self.task), Delivery.FAILED, reason)
            leases.close_pending(self.task.id)
            progress.freeze_counts(self.task.id)
        return self.finish()

    def still_owes_messages(self):
        """Whether rows are still queued once those of deleted accounts, which no message can reach, are skipped."""
        if not ledger.rows(self.batch).exists():
            return False
        ledger.skip_departed(self.batch, _("The learner's account no longer exists."))
        return ledger.rows(self.batch).exists()

    def finish(self):
        """
        Mark the batch done; a send that ended meanwhile gets its counts frozen again first.

        A batch of a running send is done only when it owes nobody a message: should rows
        still be queued, the batch is handed back to be sent again at once rather than
        letting the send settle with learners never mailed.
        """
        state = SendTask.objects.filter(id=self.task.id).values_list("state", flat=True).first()
        if state in progress.SENDING and self.still_owes_messages():
            leases.release_for_retry(self.batch, self.batch.attempts, delay=0)
            return Outcome(finished=False, retry_in=0)
        if state in SendTask.FINISHED_STATES:
            progress.freeze_counts(self.task.id)  # before the batch says done, so done means final
        leases.finish(self.batch)
        return Outcome(finished=True)
