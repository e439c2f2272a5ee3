"""
Fixtures shared by the whole suite: a real SMTP server, a real Celery worker, Celery mode.
"""
import os
import shutil
import socket

import kombu.pools
import pytest

from devsite import mailsink
from devsite.celery import app as celery_app
from tests import live

# The engine's fixtures (a scripted mailer, ten learners in batches of four) for every test module.
pytest_plugins = ["tests.engine_support"]


@pytest.fixture(autouse=True)
def celery_mode(request):
    """Tasks run in-process unless a test is marked e2e, which needs a real worker and broker."""
    e2e = request.node.get_closest_marker("e2e") is not None
    celery_app.conf.task_always_eager = not e2e
    celery_app.conf.task_eager_propagates = True
    if e2e:
        celery_app.conf.broker_url = live.REDIS_URL
        celery_app.conf.broker_transport_options = {}
        # Forget every broker pool of an earlier test (closing them instead would leave
        # kombu's registry handing out a closed pool for this URL).
        kombu.pools.reset()
        celery_app._pool = None  # pylint: disable=protected-access
        celery_app.amqp._producer_pool = None  # pylint: disable=protected-access
    yield


@pytest.fixture(autouse=True)
def fresh_mail_sessions():
    """Mail sessions outlive a batch within a process; each test starts without any."""
    from openedx_bulkmail_plugin.sending import couriers  # pylint: disable=import-outside-toplevel

    yield
    couriers.close_all()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Tests log people in by the thousand; the production hasher would make that minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fresh_ace_plugins():
    """edx-ace loads its channels and policies once per process; tests that change them reload."""
    from tests.course_emails import reset_ace_plugins  # pylint: disable=import-outside-toplevel

    reset_ace_plugins()
    yield
    reset_ace_plugins()


@pytest.fixture
def smtp_server():
    """An aiosmtpd server in this process; returns its handler (see devsite.mailsink.MailSink)."""
    controller, handler = mailsink.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Point this process's mail settings at the in-process SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    return smtp_server


def _redis_is_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_broker():
    """The Redis broker, emptied, so no message from an earlier test reaches this one's worker."""
    if not _redis_is_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (start it: redis-server --daemonize yes)")
    import redis  # pylint: disable=import-outside-toplevel

    client = redis.Redis.from_url(live.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def start_worker(transactional_db, redis_broker, smtp_server, settings):  # pylint: disable=unused-argument
    """
    Start real Celery workers on demand: ``start_worker(BULKMAIL_BATCH_SIZE=10)``.

    Every worker started is stopped at the end of the test. This process queues its tasks
    on the workers' queue too.
    """
    settings.BULKMAIL_CELERY_QUEUE = live.TEST_QUEUE
    workers = []

    def start(concurrency=2, **settings):
        worker = live.CeleryWorker(smtp_port=smtp_server.port, concurrency=concurrency, settings=settings)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def chromium_path():
    """Debian's Chromium; the browser tests skip without it, unless CI demands it."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        if os.environ.get("CI_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian's chromium package is required (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return path
