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
from django.db.models import Exists, F, Max, Min, OuterRef
from django.utils import timezone

from .. import platform
from ..deliverability import suppressions
from ..models import Batch, Delivery


def write(task, recipients):
    """
    Write one queued row per recipient of ``task``; return how many.

    Args:
        task: the SendTask, in a transaction that also records its batches.
        recipients: a QuerySet of users (each once), e.g. ``recipients_queryset(...)``,
            narrowed to one range of user ids for a chunk of a large ledger.
    """
    select_sql, params = recipients.order_by().values("id").query.sql_with_params()
    return _insert_rows(task, f"SELECT recipient.id AS user_id FROM ({select_sql}) recipient", params)


def _insert_rows(task, user_ids_sql, params=()):
    """One INSERT ... SELECT of a queued row per ``user_id`` the given SELECT yields; how many."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("task_id", "user_id", "status", "attempts", "last_error"))
    sql = (f"INSERT INTO {quote(Delivery._meta.db_table)} ({columns}) "
           f"SELECT %s, source.user_id, %s, 0, '' FROM ({user_ids_sql}) source")
    with connection.cursor() as cursor:
        cursor.execute(sql, (task.id, Delivery.QUEUED, *params))
        return cursor.rowcount


# Staging is used only with several ledger writers, so only on a server database (MySQL).
STAGING_TABLE = "bulkmail_staged_recipients"


# A range this size fits in MySQL's in-memory tables at their default size limit (16 MB).
MOST_ROWS_IN_MEMORY = 100_000


def create_staging_table(rows):
    """
    This connection's own temporary table for one range of ``rows`` recipients at most.

    A temporary table is invisible to other connections, never replicated row by row and
    gone with the connection, so staging a range costs the LMS database no shared state.
    """
    drop_staging_table()
    in_memory = " ENGINE=MEMORY" if connection.vendor == "mysql" and rows <= MOST_ROWS_IN_MEMORY else ""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {connection.ops.quote_name(STAGING_TABLE)} "
                       f"(user_id BIGINT NOT NULL, PRIMARY KEY USING BTREE (user_id)){in_memory}")


def drop_staging_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TEMPORARY TABLE IF EXISTS {connection.ops.quote_name(STAGING_TABLE)}")


def stage(recipients):
    """Put the ids of ``recipients`` (a User queryset) in the staging table, replacing its rows; how many."""
    table = connection.ops.quote_name(STAGING_TABLE)
    select_sql, params = recipients.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} (user_id) SELECT recipient.id FROM ({select_sql}) recipient", params)
        return cursor.rowcount


def write_staged(task):
    """Write one queued row of ``task`` per staged recipient; return how many."""
    table = connection.ops.quote_name(STAGING_TABLE)
    return _insert_rows(task, f"SELECT staged.user_id FROM {table} staged ORDER BY staged.user_id")


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
    Cut the task's ledger rows after ``after_id`` into batches of ``size`` consecutive ids; how many.

    A range of ``size`` ids holds at most ``size`` rows, so no batch is too large. One
    INSERT gives its rows consecutive ids on SQLite and on MySQL in its default lock mode,
    so every batch but the last is full; where ids interleave with another send's ledger
    written at the same moment, batches hold fewer. The new rows are all still queued, so
    the task's status index finds their first and last ids at once: the rows themselves
    are never read.
    """
    ends = Delivery.objects.filter(task_id=task.id, status=Delivery.QUEUED, id__gt=after_id).aggregate(
        first=Min("id"), last=Max("id"))
    first, last = ends["first"], ends["last"]
    if first is None:
        return 0
    batches = Batch.objects.bulk_create(
        Batch(task_id=task.id, first_delivery_id=start, last_delivery_id=min(start + size - 1, last),
              state=Batch.PENDING)
        for start in range(first, last + 1, size)
    )
    return len(batches)


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


def skip_departed(batch, reason):
    """
    Mark skipped the batch's unsent rows whose learner's account no longer exists; how many.

    The ledger holds no database constraint on accounts (ADR 10), so an account deleted
    while its range was being written can leave a row that no message can reach.
    """
    accounts = platform.User().objects.filter(id=OuterRef("user_id"))
    return rows(batch).filter(~Exists(accounts)).update(status=Delivery.SKIPPED, last_error=reason)


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
