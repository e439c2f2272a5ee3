"""
Several mail sessions kept busy at once, so one worker process overlaps the relay's round trips.

A relay answers each SMTP command after tens of milliseconds; with one message in flight a
worker spends nearly all its time waiting. A batch hands each ready message to a
:class:`Couriers` pool of threads, each thread with its own SMTP session: the thread does
only network work (no database, no templates), so the batch's own thread keeps the
ledger, the lease and the rate limit.

Each session is reset after a failed command (or dropped and reopened when it is gone),
and recycled after BULKMAIL_MESSAGES_PER_CONNECTION messages; a session the relay closed
("421 Too many messages", a dropped connection) is reopened and the message tried once
more on it before the failure counts against the batch.

The pool outlives a batch: the next batch of the same worker process finds its sessions
open (:func:`couriers_for`), so a relay's greeting, EHLO, authentication and QUIT are paid
once per session rather than once per batch. A session left idle too long is reopened
before it is used, and a change of the mail settings starts a new pool.
"""
import atexit
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import get_connection

from .channel import sending_over
from .outcomes import DeliveryError, connection_failure, delivery_failure

CLOSED_BY_SERVER = 421
IDLE_SECONDS = 30
MAIL_SETTINGS = (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_SSL_CERTFILE", "EMAIL_SSL_KEYFILE",
)

_pools = {}
_pools_lock = threading.Lock()


def couriers_for(channel, size, messages_per_session, own_sessions=True, timeout=None):
    """
    This process's pool for these settings, made when first needed and kept for the next batch.

    Pools for other settings are closed: a process keeps one, so sessions never pile up.
    """
    key = (type(channel), size, messages_per_session, own_sessions, timeout,
           tuple(repr(getattr(settings, name, None)) for name in MAIL_SETTINGS))
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            for stale in _pools.values():
                stale.close()
            _pools.clear()
            pool = _pools[key] = Couriers(channel, size, messages_per_session, own_sessions, timeout)
    pool.channel = channel
    return pool


@atexit.register
def close_all():
    """Say goodbye to the relay on every open session (at exit, or when a test wants a clean slate)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


class Couriers:
    """
    ``size`` threads, each delivering over its own session; ``deliver`` returns a Future.

    With ``own_sessions`` False (another ACE channel, such as Braze) the threads call the
    channel without a mail session of ours.
    """

    def __init__(self, channel, size, messages_per_session, own_sessions=True, timeout=None):
        self.channel = channel
        self.messages_per_session = messages_per_session
        self.own_sessions = own_sessions
        self.timeout = timeout
        self.local = threading.local()
        self.sessions = []
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="bulkmail-courier")

    def deliver(self, message, rendered):
        """Hand the message to a free session; the Future raises a :class:`DeliveryError` on failure."""
        return self.pool.submit(self._deliver, message, rendered)

    def open_first(self):
        """Open one session now, so that a wrong password or an unreachable server shows before any message."""
        if self.own_sessions:
            self.pool.submit(lambda: self._session().ensure_open()).result()

    def close(self):
        """Wait for the messages in flight, then close every session."""
        self.pool.shutdown(wait=True)
        for session in self.sessions:
            session.close()

    def _deliver(self, message, rendered):
        if not self.own_sessions:
            return self._call_channel(None, message, rendered)
        session = self._session()
        try:
            return self._call_channel(session, message, rendered)
        except DeliveryError as failure:
            if not _closed_by_server(failure.__cause__):
                raise
        return self._call_channel(session, message, rendered)  # once more, on a fresh session

    def _call_channel(self, session, message, rendered):
        if session is None:
            try:
                return self.channel.deliver(message, rendered)
            except Exception as error:  # pylint: disable=broad-except
                raise delivery_failure(error) from error
        return session.send(self.channel, message, rendered)

    def _session(self):
        session = getattr(self.local, "session", None)
        if session is None:
            session = Session(self.messages_per_session, self.timeout)
            self.local.session = session
            with self.lock:
                self.sessions.append(session)
        return session


class Session:
    """One SMTP session of a courier thread: opened when first needed, reset or reopened after trouble."""

    def __init__(self, messages_per_session, timeout=None):
        self.connection = get_connection(fail_silently=False, timeout=timeout)
        self.messages_per_session = messages_per_session
        self.sent_here = 0
        self.open = False
        self.last_used = time.monotonic()

    def send(self, channel, message, rendered):
        """Deliver one message over this session; raise a :class:`DeliveryError` when it is not accepted."""
        worn_out = self.messages_per_session and self.sent_here >= self.messages_per_session
        if self.open and (worn_out or time.monotonic() - self.last_used > IDLE_SECONDS):
            self.close()
        self.ensure_open()
        self.last_used = time.monotonic()
        try:
            with sending_over(self.connection):
                channel.deliver(message, rendered)
        except (smtplib.SMTPException, OSError, ValueError) as error:
            failure = delivery_failure(error)
            self._recover()
            raise failure from error
        self.sent_here += 1
        return None

    def close(self):
        if self.open:
            _close_quietly(self.connection)
        self.open = False
        self.sent_here = 0

    def ensure_open(self):
        if not self.open:
            self._open()

    def _open(self):
        _close_quietly(self.connection)
        try:
            self.connection.open()
        except OSError as error:
            raise connection_failure(error) from error
        self.open = True
        self.sent_here = 0

    def _recover(self):
        """After a failed command: RSET, or drop the session to reopen it for the next message."""
        smtp = getattr(self.connection, "connection", None)
        if smtp is not None:
            try:
                if smtp.rset()[0] == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
        self.close()


def _closed_by_server(error):
    """Whether ``error`` was the server ending the session, so a fresh session may succeed."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == CLOSED_BY_SERVER for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == CLOSED_BY_SERVER


def _close_quietly(connection):
    """Close a mail connection that may already be broken; a dead session is just dropped."""
    smtp = getattr(connection, "connection", None)
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        if smtp is not None:
            smtp.close()
