"""
Fixtures shared by the whole suite: a real SMTP server, a real Celery worker, Celery mode.
"""
import os
import shutil

import kombu.pools
import pytest

from devsite import mailsink
from devsite.celery import app as celery_app
from tests import live

# The engine's fixtures (a scripted mailer, ten learners in batches of four) for every test module.
pytest_plugins = ["tests.engine_support"]


@pytest.fixture(scope="session")
def redis_is_up():
    """
    Whether Redis answers at TEST_REDIS_URL, asked once per run. Without it the end-to-end
    tests use the filesystem broker, unless CI_REQUIRE_REDIS=1 (CI), where that is a failure.
    """
    if live.redis_answers():
        return True
    if live.redis_required():
        pytest.fail(f"CI_REQUIRE_REDIS=1 but Redis does not answer at {live.REDIS_URL} "
                    "(start it: redis-server --daemonize yes)")
    return False


@pytest.fixture(autouse=True)
def celery_mode(request):
    """Tasks run in-process unless a test is marked e2e, which needs a real worker and broker."""
    e2e = request.node.get_closest_marker("e2e") is not None
    celery_app.conf.task_always_eager = not e2e
    celery_app.conf.task_eager_propagates = True
    if e2e:
        broker = request.getfixturevalue("broker")
        celery_app.conf.broker_url = broker.url
        celery_app.conf.broker_transport_options = broker.transport_options
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


@pytest.fixture
def broker(redis_is_up, tmp_path_factory):
    """
    This test's broker, empty: Redis (flushed before and after) when it answers at
    TEST_REDIS_URL, otherwise a fresh directory of kombu's filesystem transport.
    """
    if not redis_is_up:
        yield live.Broker.filesystem(tmp_path_factory.mktemp("broker"))
        return
    import redis  # pylint: disable=import-outside-toplevel

    client = redis.Redis.from_url(live.REDIS_URL)
    client.flushdb()
    yield live.Broker.redis()
    client.flushdb()


@pytest.fixture
def redis_broker(broker):
    """
    A client of the Redis broker, for tests of what only Redis does (losing its messages, a
    restart); they skip on the filesystem broker, except in CI, where Redis is required.
    """
    if not broker.is_redis:
        pytest.skip(f"needs Redis as the broker, and none answers at {live.REDIS_URL}")
    import redis  # pylint: disable=import-outside-toplevel

    return redis.Redis.from_url(live.REDIS_URL)


@pytest.fixture
def start_worker(transactional_db, broker, smtp_server, settings):  # pylint: disable=unused-argument
    """
    Start real Celery workers on demand: ``start_worker(BULKMAIL_BATCH_SIZE=10)``.

    Every worker started is stopped at the end of the test. This process queues its tasks
    on the workers' queue too.
    """
    settings.BULKMAIL_CELERY_QUEUE = live.TEST_QUEUE
    workers = []

    def start(concurrency=2, **settings):
        worker = live.CeleryWorker(smtp_port=smtp_server.port, concurrency=concurrency, settings=settings,
                                   broker=broker)
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
