"""
The mail sink as a slow relay: every reply waits ``latency_ms``, and connections wait side by side.

Only lower bounds are asserted on a single exchange (a busy machine can only make it slower);
the overlap test compares against the time the same work would take one reply after another.
"""
import smtplib
import threading
import time

import pytest

from devsite import mailsink


@pytest.fixture
def slow_sink():
    controller, handler = mailsink.start(latency_ms=100)
    handler.port = controller.port
    yield handler
    controller.stop()


def seconds_for_ehlo(port):
    with smtplib.SMTP("127.0.0.1", port) as client:
        started = time.monotonic()
        client.ehlo()
        return time.monotonic() - started


def test_each_reply_waits_the_latency_given_at_start(slow_sink):
    assert seconds_for_ehlo(slow_sink.port) >= 0.099


def test_latency_set_on_a_running_sink_applies_to_the_next_reply(smtp_server):
    smtp_server.latency_ms = 150

    assert seconds_for_ehlo(smtp_server.port) >= 0.149


def test_greeting_waits_the_latency_too(slow_sink):
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", slow_sink.port):
        connected = time.monotonic() - started

    assert connected >= 0.099


def test_a_delivery_pays_one_wait_per_command(slow_sink):
    with smtplib.SMTP("127.0.0.1", slow_sink.port) as client:
        client.ehlo()
        started = time.monotonic()
        client.sendmail("from@example.com", ["to@example.com"], b"Subject: hi\r\n\r\nHello\r\n")
        seconds = time.monotonic() - started

    assert seconds >= 4 * 0.099  # MAIL, RCPT, DATA and the end of the data
    assert slow_sink.recipients() == ["to@example.com"]


def test_connections_wait_side_by_side_not_one_after_another(slow_sink):
    connections, commands = 8, 5
    start_together = threading.Barrier(connections)

    def talk():
        with smtplib.SMTP("127.0.0.1", slow_sink.port) as client:
            start_together.wait()
            for _ in range(commands):
                client.noop()

    threads = [threading.Thread(target=talk) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started

    one_after_another = connections * commands * 0.1
    assert seconds < one_after_another / 2
