"""
Sends that lose a piece of infrastructure under them: the Redis broker restarted without
persistence, and the worker's database connections killed by the server, mid-send.
"""
import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import OperationalError, connection

from openedx_bulkmail_plugin import api
from openedx_bulkmail_plugin.models import Batch, SendTask
from tests import factories
from tests.sending_support import finished, instructor, many_learners, send_to_learners, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAST = {
    "BULKMAIL_BATCH_SIZE": 20, "BULKMAIL_BATCH_LEASE_SECONDS": 5, "BULKMAIL_SWEEP_INTERVAL_SECONDS": 2,
    "BULKMAIL_RETRY_BACKOFF_SECONDS": 0.2, "BULKMAIL_RETRY_BACKOFF_MAX_SECONDS": 1,
}
REDIS_PORT = 6379
REDIS_DIRECTORIES = (Path("/var/lib/redis"), Path("/var/log/redis"))
# The machine's own command line, so the server that comes back is the one the suite expects.
REDIS_COMMAND = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(REDIS_PORT),
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]


def slow_sink(smtp_server, seconds=0.03):
    """Make each accepted message take a little longer, so the send is still running when we strike."""
    smtp_server.on_message = lambda kept: time.sleep(seconds)


def redis_port_open():
    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def redis_answers_ping():
    try:
        return redis.Redis(host="127.0.0.1", port=REDIS_PORT, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def start_redis():
    for directory in REDIS_DIRECTORIES:
        directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(REDIS_COMMAND, check=True, capture_output=True, timeout=30)
    wait_until(redis_answers_ping, timeout=30)


def stop_redis():
    """SHUTDOWN NOSAVE: what a crash or a restart of a Redis without persistence leaves behind."""
    try:
        redis.Redis(host="127.0.0.1", port=REDIS_PORT).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # the server closes our connection as it goes
    wait_until(lambda: not redis_port_open(), timeout=30)


@pytest.fixture
def redis_restart(redis_broker):  # pylint: disable=unused-argument
    """
    Restart the machine's Redis on demand; whatever the test does, Redis is running afterwards.

    Only with Redis as the broker (``redis_broker`` skips otherwise): restarting a Redis the
    send does not use would prove nothing.
    """
    if shutil.which("redis-server") is None:
        pytest.skip("the redis-server binary is not installed, so Redis cannot be restarted")

    def restart():
        stop_redis()
        start_redis()

    yield restart
    if not redis_answers_ping():
        start_redis()


def test_send_completes_when_redis_restarts_mid_send(start_worker, smtp_server, redis_restart):
    factories.course()
    people = many_learners(300)
    slow_sink(smtp_server)
    start_worker(**FAST)
    task = send_to_learners(instructor())

    wait_until(lambda: len(smtp_server.messages) >= 60, timeout=60)
    redis_restart()
    assert len(smtp_server.messages) < 300  # restarted in the middle of the send
    task = wait_until(finished(task), timeout=120)

    assert Counter(smtp_server.recipients()) == Counter({person.email: 1 for person in people})
    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 300, "sent": 300, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
    assert not Batch.objects.filter(task=task).exclude(state=Batch.DONE).exists()


def kill_other_connections():
    """Kill every connection to the test database but ours (the worker's); return how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()",
            [connection.settings_dict["NAME"]])
        others = [row[0] for row in cursor.fetchall()]
        for other in others:
            try:
                cursor.execute(f"KILL CONNECTION {int(other)}")
            except OperationalError:
                pass  # it closed on its own meanwhile
    return len(others)


@pytest.mark.mysql_only
def test_batch_recovers_when_the_database_connection_drops_mid_batch(start_worker, smtp_server):
    if connection.vendor != "mysql":
        pytest.skip("SQLite has no server connection to kill; this needs MariaDB/MySQL")
    factories.course()
    people = many_learners(300)
    slow_sink(smtp_server)
    start_worker(**FAST)
    task = send_to_learners(instructor())

    killed = 0
    for strike_at in (60, 150):
        wait_until(lambda at=strike_at: len(smtp_server.messages) >= at, timeout=60)
        killed += kill_other_connections()
    assert len(smtp_server.messages) < 300  # the connections dropped in the middle of the send
    task = wait_until(finished(task), timeout=120)

    delivered = Counter(smtp_server.recipients())
    duplicates = sum(delivered.values()) - len(delivered)
    assert set(delivered) == {person.email for person in people}
    assert killed > 0
    assert duplicates == 0  # the accepted message in flight is still recorded once reconnected
    assert task.state == SendTask.SUCCESS
    assert api.counts(task) == {"total": 300, "sent": 300, "failed": 0, "skipped": 0, "suppressed": 0, "cancelled": 0}
