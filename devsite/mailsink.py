"""
A real SMTP server (aiosmtpd) that keeps what it receives, and can be told to misbehave.

The demo runs it as a process (``python -m devsite.mailsink``) writing a Maildir that the
Mailbox page reads; the tests run it in-process and make it answer 4xx/5xx or drop the
connection, to prove how sends recover.

It can also answer as slowly as a real relay: with ``latency_ms`` set, every reply waits that
long before it is sent, on each connection independently, so a benchmark on this machine
pays the round trips that a mail relay across a network makes a sender pay.
"""
import argparse
import asyncio
import mailbox
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class MailSink:
    """
    An aiosmtpd handler that stores accepted messages, with switches for faults.

    Attributes tests may set at any time:
        rcpt_replies: address -> SMTP reply given to RCPT TO (e.g. "550 5.1.1 No such user").
        sender_replies: address -> SMTP reply given to MAIL FROM (e.g. "553 5.7.1 Sender not allowed").
        temporary_failures: answer the next N DATA commands with ``temporary_reply``.
        drops: drop the connection on the next N DATA commands, storing nothing.
        on_message: called with the number of messages kept so far, after each accepted
            message and before the server answers 250 (the client waits meanwhile).
        messages_per_session: answer MAIL with "421 Maximum message count per session" and
            close the session once it delivered that many messages (as Amazon SES does).
        holds: address -> list of seconds; each message to that address waits the next
            delay of the list before it is accepted, as a slow relay answering DATA would.
        latency_ms: how long every reply waits before it is sent (0: at once).

    Also kept: ``peers``, the client (host, port) of each accepted message, in step with
    ``messages``, so tests can tell which messages shared one connection; ``resets``, how
    many RSET commands arrived.
    """

    def __init__(self, maildir=None, latency_ms=0):
        self.latency_ms = latency_ms
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.messages = []
        self.rcpt_replies = {}
        self.temporary_failures = 0
        self.temporary_reply = "451 4.3.0 Temporary failure, try again later"
        self.drops = 0
        self.sender_replies = {}
        self.peers = []
        self.resets = 0
        self.on_message = None
        self.holds = {}
        self.messages_per_session = None
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # pylint: disable=invalid-name
        reply = self.sender_replies.get(address)
        if reply:
            return reply
        if self.messages_per_session and getattr(session, "delivered", 0) >= self.messages_per_session:
            server.transport.close()
            return "421 4.4.2 Maximum message count per session"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):  # pylint: disable=invalid-name
        with self.lock:
            self.resets += 1
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # pylint: disable=invalid-name
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # pylint: disable=invalid-name
        await asyncio.sleep(self._hold_for(envelope.rcpt_tos))
        with self.lock:
            if self.drops > 0:
                self.drops -= 1
                server.transport.close()
                return "421 4.4.2 Connection dropped"
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return self.temporary_reply
            message = message_from_bytes(envelope.content, policy=policy.default)
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient, message))
                self.peers.append(session.peer)
            session.delivered = getattr(session, "delivered", 0) + 1
            if self.maildir is not None:
                self.maildir.add(envelope.content)
            kept = len(self.messages)
        if self.on_message is not None:
            self.on_message(kept)
        return "250 2.0.0 Message accepted for delivery"

    def _hold_for(self, addresses):
        """How long to hold this message: the next delay listed for any of its recipients."""
        with self.lock:
            delays = [self.holds[address].pop(0) for address in addresses if self.holds.get(address)]
        return max(delays, default=0)

    def recipients(self):
        """Every envelope recipient accepted so far, once per message received."""
        with self.lock:
            return [recipient for recipient, _ in self.messages]

    def connections_used(self):
        """How many distinct client connections delivered the accepted messages."""
        with self.lock:
            return len(set(self.peers))

    def wait_for(self, count, timeout=60.0):
        """Wait until ``count`` messages have arrived; return how many did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return len(self.messages)


class SlowRelaySMTP(SMTP):
    """
    aiosmtpd's SMTP session, answering each reply after the handler's ``latency_ms``.

    Only the last line of a reply waits (the one whose code is followed by a space, not a
    dash), so a many-line EHLO answer costs one delay, as one round trip to a relay does.
    The wait is an asyncio sleep: other connections carry on meanwhile.
    """

    async def push(self, status):
        latency_ms = getattr(self.event_handler, "latency_ms", 0)
        if latency_ms > 0 and _ends_a_reply(status):
            await asyncio.sleep(latency_ms / 1000)
        await super().push(status)


def _ends_a_reply(status):
    line = status.decode("ascii", "replace") if isinstance(status, bytes) else status
    return line[3:4] != "-"


class SlowRelayController(Controller):
    """aiosmtpd's threaded Controller, serving each connection with a :class:`SlowRelaySMTP`."""

    def factory(self):
        return SlowRelaySMTP(self.handler, **self.SMTP_kwargs)


def start(port=0, maildir=None, hostname="127.0.0.1", latency_ms=0, **smtp_options):
    """
    Start a sink in a background thread; returns (controller, handler). ``port=0`` picks one.

    ``latency_ms`` delays every reply (change it later through ``handler.latency_ms``).
    ``smtp_options`` go to aiosmtpd's SMTP server (e.g. ``authenticator``, ``auth_require_tls``).
    """
    handler = MailSink(maildir, latency_ms=latency_ms)
    controller = SlowRelayController(handler, hostname=hostname, port=port or _free_port(hostname),
                                     **smtp_options)
    controller.start()
    return controller, handler


def _free_port(hostname):
    import socket  # pylint: disable=import-outside-toplevel

    with socket.socket() as sock:
        sock.bind((hostname, 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description="Keep every message sent to this SMTP server in a Maildir.")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="wait this long before every reply, as a relay across a network does")
    args = parser.parse_args()
    controller, _ = start(args.port, args.maildir, latency_ms=args.latency_ms)
    print(f"Mail sink listening on 127.0.0.1:{args.port}, keeping mail in {args.maildir}, "
          f"answering after {args.latency_ms:g} ms", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
