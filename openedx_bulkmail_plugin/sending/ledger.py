"""
The per-recipient ledger of a send: written before the first message leaves, marked as
the mail server accepts the messages (a few dozen rows per UPDATE, see :class:`Marks`).

The ledger is written by the database itself (INSERT ... SELECT from the recipient query,
one range of user ids at a time) and cut into batches by the database too (a window
function over ledger ids), so a send to a million learners never holds their ids, let
alone their addresses, in Python.
"""
import time
from collections import defaultdict

from django.db import InterfaceError, OperationalError, connection
from django.db.models import F
from django.utils import timezone

from .. import platform
from ..deliverability import suppressions
from ..models import Batch, Delivery


def write(task, recipients, after_user=0, up_to_user=None):
    """
    Write one queued row per recipient of ``task`` whose user id lies in a range; return how many.

    Args:
        task: the SendTask, in a transaction that also records its batches.
        recipients: a QuerySet of users (each once), e.g. ``recipients_queryset(...)``.
        after_user, up_to_user: the range of user ids, ``after_user < id <= up_to_user``
            (``None``: no upper end), so that a chunk of a large ledger is a range the
            database finds by index, not a prefix it must sort the whole query to find.
    """
    if up_to_user is not None:
        recipients = recipients.filter(id__lte=up_to_user)
    select_sql, params = recipients.filter(id__gt=after_user).order_by().values("id").query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in (
        "task_id", "user_id", "status", "attempts", "last_error"))
    sql = f"INSERT INTO {table} ({columns}) SELECT %s, recipient.id, %s, 0, '' FROM ({select_sql}) recipient"
    with connection.cursor() as cursor:
        cursor.execute(sql, (task.id, Delivery.QUEUED, *params))
        return cursor.rowcount


def chunk_bounds(candidates, after_user, rows):
    """
    Upper user ids of ranges that each hold at most ``rows`` candidates, after ``after_user``; one statement.

    ``candidates`` is a queryset of ``user_id`` values that holds everyone the send may
    reach (a user may appear more than once, which only makes ranges smaller). The
    candidates are numbered in user id order and every ``rows``-th one closes a range:
    one pass over the course's enrollments, however many chunks follow, and a handful of
    ids back, never the recipients.
    """
    select_sql, params = candidates.query.sql_with_params()
    sql = (
        "SELECT numbered.user_id FROM ("
        "SELECT candidate.user_id AS user_id, ROW_NUMBER() OVER (ORDER BY candidate.user_id) AS position "
        f"FROM ({select_sql}) candidate WHERE candidate.user_id > %s"
        ") numbered WHERE numbered.position %% %s = 0 ORDER BY numbered.position"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, int(after_user), int(rows)))
        return [user_id for (user_id,) in cursor.fetchall()]


def split_into_batches(task, size, after_id=0):
    """
    Cut the task's ledger rows after ``after_id`` into batches of ``size`` consecutive ids, in one statement.

    Rows are numbered in id order and grouped by ``number // size``; each group becomes a
    pending Batch covering the ids from its first row to its last.
    """
    quote = connection.ops.quote_name
    divide = "DIV" if connection.vendor == "mysql" else "/"
    sql = (
        f"INSERT INTO {quote(Batch._meta.db_table)} "
        f"({quote('task_id')}, {quote('first_delivery_id')}, {quote('last_delivery_id')}, "
        f"{quote('state')}, {quote('attempts')}, {quote('owner')}) "
        f"SELECT %s, MIN(numbered.id), MAX(numbered.id), %s, 0, '' FROM ("
        f"SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS position "
        f"FROM {quote(Delivery._meta.db_table)} WHERE task_id = %s AND id > %s"
        f") numbered GROUP BY numbered.position {divide} %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (task.id, Batch.PENDING, task.id, int(after_id), int(size)))
        return cursor.rowcount


def rows(batch):
    """The batch's rows that still owe a message, in id order."""
    return Delivery.objects.filter(
        task_id=batch.task_id, id__gte=batch.first_delivery_id, id__lte=batch.last_delivery_id,
        status=Delivery.QUEUED,
    )


def skip_opted_out(batch, course_key, reason):
    """
    Mark skipped the batch's unsent rows whose learner opted out since the start.

    Returns the ids of those learners: one query when nobody opted out, two when someone did.
    """
    opted_out = set(rows(batch).filter(user_id__in=platform.opted_out_user_ids(course_key)).values_list(
        "user_id", flat=True))
    if opted_out:
        rows(batch).filter(user_id__in=opted_out).update(status=Delivery.SKIPPED, last_error=reason)
    return opted_out


def skip_suppressed(batch):
    """
    Mark suppressed the batch's unsent rows whose address bounced or complained before.

    Each row keeps the reason an instructor reads ("This address bounced on …"). Returns
    the ids of those learners: one query when no address is suppressed, a few when some are.
    """
    found = list(suppressions.on_list(rows(batch), "user__email").values_list(
        "id", "user_id", suppressions.ADDRESS_ANNOTATION))
    if not found:
        return set()
    reasons = suppressions.skip_reasons(address for _row, _user, address in found)
    rows_by_reason = defaultdict(list)
    for row_id, _user, address in found:
        rows_by_reason[reasons.get(address, "")].append(row_id)
    for reason, row_ids in rows_by_reason.items():
        Delivery.objects.filter(id__in=row_ids, status=Delivery.QUEUED).update(
            status=Delivery.SUPPRESSED, last_error=reason)
    return {user_id for _row, user_id, _address in found}


def rows_to_send(batch):
    """The unsent rows with their users and profiles (one query), ready for the mailer."""
    return list(rows(batch).select_related(*platform.user_with_profile("user")).order_by("id"))


def mark_sent(row):
    """Record at once that the mail server accepted ``row``'s message; whether the row was still owed."""
    return mark_all_sent([row.id])


def mark_all_sent(row_ids, now=None):
    """
    Record that the mail server accepted the messages of ``row_ids``, in one UPDATE.

    Returns whether every row was still owed. False means someone settled some of them
    meanwhile (a cancel, a failed send, or another worker that took over an expired
    batch and whose copy was accepted first): the messages did leave, so those rows say
    sent too, and the caller decides whether to go on.
    """
    now = now or timezone.now()
    try:
        marked = _update_sent(row_ids, now)
    except (OperationalError, InterfaceError):
        # The connection dropped while these very messages were accepted; forgetting
        # them here would send them again when the batch is resumed.
        connection.close()
        marked = _update_sent(row_ids, now)
    if marked == len(row_ids):
        return True
    Delivery.objects.filter(id__in=row_ids).exclude(status__in=Delivery.ACCEPTED_STATUSES).update(
        status=Delivery.SENT, sent_at=now, attempts=F("attempts") + 1)
    return False


def _update_sent(row_ids, now):
    """One hand-written UPDATE: the ORM would rebuild its SQL for every group of rows."""
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {quote('status')} = %s, {quote('sent_at')} = %s, "
        f"{quote('attempts')} = {quote('attempts')} + 1 "
        f"WHERE {quote('status')} = %s AND {quote('id')} IN ({', '.join(['%s'] * len(row_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (Delivery.SENT, connection.ops.adapt_datetimefield_value(now), Delivery.QUEUED, *row_ids))
        return cursor.rowcount


class Marks:
    """
    Rows whose messages the server accepted, waiting to be written in one UPDATE.

    A worker killed before writing them sends them again when the batch resumes: that is
    the bound on duplicates the README states (at most BULKMAIL_MARK_EVERY_MESSAGES
    accepted but unwritten, plus the messages in flight), traded for one statement per
    group of messages instead of one per message.
    """

    def __init__(self):
        self.row_ids = []
        self.oldest = None

    def sent(self, row):
        if not self.row_ids:
            self.oldest = time.monotonic()
        self.row_ids.append(row.id)

    def due(self, seconds, count):
        """Whether the rows have waited ``seconds`` or number ``count``."""
        return bool(self.row_ids) and (len(self.row_ids) >= count or time.monotonic() - self.oldest >= seconds)

    def record(self):
        """Write the waiting rows; whether all of them were still owed (True when there were none)."""
        if not self.row_ids:
            return True
        row_ids, self.row_ids = self.row_ids, []
        return mark_all_sent(row_ids)


def mark(row, status, reply, attempted=True):
    """
    Record a refusal or a skip of one row, keeping the server's (or the policy's) reply.

    Returns whether the row was still owed; False when a cancel or another worker settled it.
    """
    attempts = row.attempts + 1 if attempted else row.attempts
    return Delivery.objects.filter(id=row.id, status=Delivery.QUEUED).update(
        status=status, last_error=reply, attempts=attempts) == 1


def record_attempt(row, reply):
    """Note a temporary failure on the row that met it; the row stays queued for the retry."""
    Delivery.objects.filter(id=row.id, status=Delivery.QUEUED).update(attempts=row.attempts + 1, last_error=reply)


def settle_unsent(rows_queryset, status, reason):
    """Give every still-queued row of ``rows_queryset`` a final ``status`` and its reason."""
    return rows_queryset.filter(status=Delivery.QUEUED).update(status=status, last_error=reason)


def unsent(task):
    """Every row of the task that still owes a message."""
    return Delivery.objects.filter(task_id=task.id, status=Delivery.QUEUED)
