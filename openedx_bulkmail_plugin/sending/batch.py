"""
Sending one claimed batch over one mail connection, and what each kind of failure means.

Every row is marked in the ledger right after the mail server accepts its message. A
refusal for one recipient marks that row and goes on; a temporary failure hands the batch
back for a later retry of the rows still owed; a misconfigured site fails the whole send
with a reason the instructor can read.
"""
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .. import platform
from ..conf import bulkmail_settings
from ..models import Delivery, SendTask
from . import leases, ledger, progress
from .mailer import Mailer, RecipientRefused, RecipientSkipped, SendingMisconfigured, TemporaryFailure

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """How a batch ended: ``finished`` (done, or stopped for good) or due for a retry in ``retry_in`` seconds."""

    finished: bool
    retry_in: float = None


class LeaseLost(Exception):
    """Another worker holds the batch now: stop at once, and leave the batch to it."""


class BatchSend:
    """One claimed batch: its rows still owed a message, sent one by one over one connection."""

    def __init__(self, batch):
        self.batch = batch
        self.task = batch.task
        self.email = self.task.email
        self.current = None
        self.sent = 0
        self.lease_renewed_at = None

    def run(self):
        """Send what the batch still owes; return its :class:`Outcome`."""
        if self.task.state != SendTask.PROGRESS:
            return self.finish()
        if not self.keep_lease():
            return self.stop()
        ledger.skip_opted_out(self.batch, self.email.course_id, _("The learner opted out of this course's email."))
        rows = ledger.rows_to_send(self.batch)
        if not rows:
            return self.finish()
        try:
            course = platform.get_course(self.email.course_id)
            with Mailer(self.email, course, while_waiting=self.hold_lease) as mailer:
                self.send_rows(mailer, rows)
        except LeaseLost:
            return self.stop()
        except TemporaryFailure as failure:
            return self.retry_later(failure.reply)
        except SendingMisconfigured as error:
            return self.fail_send(error.reply)
        return self.finish()

    def send_rows(self, mailer, rows):
        """
        Send each row; stop early when the send ended or the batch was taken from us.

        A row that someone else settled meanwhile is not a reason to stop by itself: after
        a takeover, the previous owner's copy of a message may be accepted and marked first.
        Only a send that is no longer running, or a lease that is no longer ours, stops the
        batch; the caller catches :class:`LeaseLost`.

        The Mailer promises its four outcomes; anything else it raises is a fault with this
        one message (a learner's odd data), so that row fails with the error and the batch
        goes on rather than retrying into the same fault.
        """
        for row in rows:
            self.hold_lease()
            self.current = row
            if not self.send_row(mailer, row) and not self.still_sending():
                return self.stop()
        self.current = None
        return None

    def send_row(self, mailer, row):
        """Send one row and record its outcome; whether the row was still owed when recorded."""
        try:
            mailer.send(row.user)
        except RecipientRefused as refusal:
            return ledger.mark(row, Delivery.FAILED, refusal.reply)
        except RecipientSkipped as skip:
            return ledger.mark(row, Delivery.SKIPPED, skip.reply, attempted=False)
        except (TemporaryFailure, SendingMisconfigured, LeaseLost):
            raise
        except Exception as error:  # pylint: disable=broad-except
            log.exception("Bulk email batch %s could not send to ledger row %s.", self.batch.id, row.id)
            return ledger.mark(row, Delivery.FAILED, str(error) or type(error).__name__)
        self.sent += 1
        return ledger.mark_sent(row)

    def still_sending(self):
        """Whether the send still runs and the batch is still ours (renewing the lease to know)."""
        if not SendTask.objects.filter(id=self.task.id, state=SendTask.PROGRESS).exists():
            return False
        self.lease_renewed_at = None
        return self.keep_lease()

    def stop(self):
        """Someone else settled our rows (a cancel, a failed send) or took the batch over."""
        log.info("Bulk email batch %s stops: its send was cancelled, failed or taken over.", self.batch.id)

    def keep_lease(self):
        """Renew the lease every third of its length; False once the batch is no longer ours."""
        due = self.lease_renewed_at is None or (
            time.monotonic() - self.lease_renewed_at >= bulkmail_settings.BATCH_LEASE_SECONDS / 3)
        if not due:
            return True
        self.lease_renewed_at = time.monotonic()
        return leases.renew(self.batch)

    def hold_lease(self):
        """Keep the lease, also while waiting for the rate limit; raise :class:`LeaseLost` once it is gone."""
        if not self.keep_lease():
            raise LeaseLost()

    def retry_later(self, reply):
        """
        Hand the batch back with a backoff, or give up on its unsent rows after the last attempt.

        Attempts count consecutive failures: a batch that got messages through meanwhile
        starts afresh, so a long batch on a flaky link is not failed for old troubles.
        """
        if self.current is not None:
            ledger.record_attempt(self.current, reply)
        attempts = 1 if self.sent else self.batch.attempts + 1
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

    def finish(self):
        """
        Mark the batch done; a send that ended meanwhile gets its counts frozen again first.

        A batch of a running send is done only when it owes nobody a message: should rows
        still be queued, the batch is handed back to be sent again at once rather than
        letting the send settle with learners never mailed.
        """
        state = SendTask.objects.filter(id=self.task.id).values_list("state", flat=True).first()
        if state == SendTask.PROGRESS and ledger.rows(self.batch).exists():
            leases.release_for_retry(self.batch, self.batch.attempts, delay=0)
            return Outcome(finished=False, retry_in=0)
        if state in SendTask.FINISHED_STATES:
            progress.freeze_counts(self.task.id)  # before the batch says done, so done means final
        leases.finish(self.batch)
        return Outcome(finished=True)
