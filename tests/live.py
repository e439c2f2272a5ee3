"""
Real parts for end-to-end tests: a Celery worker process and the broker it listens on.

The worker runs the dev site's Celery app against the test database, so what it does is
what an LMS worker would do; tests talk to it only through the database and the broker.

The broker is Redis, as in production, when Redis answers at TEST_REDIS_URL; otherwise it is
kombu's filesystem transport (what the demo uses), so the suite runs on a machine with no
Redis. CI sets CI_REQUIRE_REDIS=1 so that a Redis that failed to start fails the run instead
of quietly testing on the embedded broker.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
TEST_QUEUE = "bulkmail.test"


def redis_answers(url=None, timeout=1.0):
    """Whether a Redis server answers PING at ``url`` (TEST_REDIS_URL by default)."""
    import redis  # pylint: disable=import-outside-toplevel

    try:
        return bool(redis.Redis.from_url(url or REDIS_URL, socket_timeout=timeout,
                                         socket_connect_timeout=timeout).ping())
    except redis.RedisError:
        return False


def redis_required():
    """CI must test on Redis: there, a missing Redis is a failure, not a reason to fall back."""
    return os.environ.get("CI_REQUIRE_REDIS") == "1"


class Broker:
    """
    Where one test's tasks go: ``url`` and ``transport_options`` for this process's Celery
    app, and ``env`` for a worker's, so that both ends use the same broker.
    """

    def __init__(self, url, transport_options=None, env=None):
        self.url = url
        self.transport_options = transport_options or {}
        self.env = {"CELERY_BROKER_URL": url, **(env or {})}

    @property
    def is_redis(self):
        return self.url.startswith("redis://")

    @classmethod
    def redis(cls):
        return cls(REDIS_URL)

    @classmethod
    def filesystem(cls, directory):
        """
        kombu's filesystem transport in ``directory``, fresh for each test, so no message of an
        earlier test reaches this one's worker (the counterpart of flushing Redis).
        """
        directory = Path(directory)
        for folder in ("out", "processed"):
            (directory / folder).mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(directory / "out"),
            "data_folder_out": str(directory / "out"),
            "data_folder_processed": str(directory / "processed"),
        }
        # The dev site's settings build the same options from DEVSITE_BROKER_DIR.
        return cls("filesystem://", options, env={"DEVSITE_BROKER_DIR": str(directory)})


def database_url():
    """The URL of the test database this process is using, for a worker to share."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    return f"mysql://{settings_dict['USER']}{password}@{host}{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """
    A worker process; ``start`` waits until it is ready, ``kill`` is kill -9 of its whole group.

    ``broker`` is a :class:`Broker` (Redis at TEST_REDIS_URL when None).

    ``pool`` is Celery's execution pool (prefork when None, as an LMS worker runs).
    """

    def __init__(self, smtp_port=None, concurrency=2, settings=None, pool=None, broker=None):
        broker = broker or Broker.redis()
        self.env = dict(os.environ)
        self.env.update(broker.env)
        self.env.update({
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEVSITE_SETTINGS_TYPE": "test",
            "BULKMAIL_CELERY_QUEUE": f'"{TEST_QUEUE}"',
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port or 25),
            "PYTHONPATH": str(ROOT),
        })
        for name, value in (settings or {}).items():
            self.env[name] = json.dumps(value) if name.startswith("BULKMAIL_") else str(value)
        self.concurrency = concurrency
        self.pool = pool
        self.process = None
        self.log = None

    def start(self, timeout=60):
        self.log = tempfile.NamedTemporaryFile(prefix="bulkmail-worker-", suffix=".log", delete=False)
        command = [
            sys.executable, "-m", "celery", "-A", "devsite.celery:app", "worker", "--loglevel=INFO",
            f"--queues={TEST_QUEUE}", f"--concurrency={self.concurrency}",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        if self.pool:
            command.append(f"--pool={self.pool}")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited at start:\n{self.output()}")
            if " ready." in self.output():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready after {timeout}s:\n{self.output()}")

    def output(self):
        return Path(self.log.name).read_text(errors="replace") if self.log else ""

    def kill(self):
        """kill -9 the worker and its pool processes, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout=20):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
