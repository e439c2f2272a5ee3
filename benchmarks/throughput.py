"""
Sending throughput: the plugin's real path against a plain smtplib loop, on the same mail sink.

    .venv/bin/python benchmarks/throughput.py --recipients 20000
    DATABASE_URL=mysql://root@127.0.0.1:3306/bulkmail_throughput_bench .venv/bin/python benchmarks/throughput.py

1. starts an aiosmtpd sink in another process (it counts messages, keeps none);
2. makes its own database (a fresh SQLite file, or the MySQL/MariaDB database that
   DATABASE_URL names, which must have "bench" in its name: it is dropped and created
   afresh), migrates it
   and seeds N enrolled learners with bulk inserts;
3. starts a real Celery worker (concurrency 2) on Redis and sends one course email to all
   of them through the API, timing from creation to SUCCESS;
4. sends the same number of messages of the same size with smtplib over one connection;
5. prints messages per second of both and their ratio.

A script, not a test: it prints figures and asserts nothing.
"""
import argparse
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK_PROGRAM = """
import sys, time
from devsite import mailsink
controller, handler = mailsink.start(int(sys.argv[1]))
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    return parser.parse_args()


def prepare_environment(args, state_dir):
    """Point Django and the worker at this run's own database, broker and queue, before Django starts."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{state_dir / 'bench.sqlite3'}")
    os.environ["DEVSITE_STATE_DIR"] = str(state_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "devsite.settings"
    os.environ["TEST_REDIS_URL"] = args.redis_url
    os.environ["CELERY_BROKER_URL"] = args.redis_url
    os.environ["BULKMAIL_LOG_LEVEL"] = "WARNING"
    os.environ["DEVSITE_DEBUG"] = "0"  # as in production: Django keeps no log of every query


def start_sink():
    """The sink process and its port."""
    from devsite.mailsink import _free_port  # pylint: disable=import-outside-toplevel

    port = _free_port("127.0.0.1")
    sink = subprocess.Popen([sys.executable, "-c", SINK_PROGRAM, str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    if sink.stdout.readline().strip() != "ready":
        raise RuntimeError("the mail sink did not start")
    return sink, port


def seed(count):
    """A course, an instructor and ``count`` learners, in a few bulk inserts."""
    from tests import factories  # pylint: disable=import-outside-toplevel
    from tests.sending_support import instructor, many_learners  # pylint: disable=import-outside-toplevel

    factories.course()
    started = time.monotonic()
    many_learners(count)
    print(f"seeded {count} learners in {time.monotonic() - started:.1f}s", flush=True)
    return instructor()


def time_plugin_send(sender, count):
    """Send to every learner through a real worker; return (seconds, final task)."""
    from openedx_bulkmail_plugin.models import SendTask  # pylint: disable=import-outside-toplevel
    from tests.sending_support import finished, send_to_learners, wait_until  # pylint: disable=import-outside-toplevel

    started = time.monotonic()
    task = send_to_learners(sender, subject="Benchmark", body="<p>Hello %%USER_FULLNAME%%</p>" + "<p>x</p>" * 40)
    task = wait_until(finished(task), timeout=max(600, count / 5), interval=0.05)
    seconds = time.monotonic() - started
    if task.state != SendTask.SUCCESS or task.sent != count:
        raise RuntimeError(f"the send ended {task.state} with {task.sent}/{count} sent: {task.failure_reason}")
    return seconds, task


def one_real_message(task):
    """The bytes of the message the plugin sent to its first recipient (rendered again, same size)."""
    from edx_ace import presentation  # pylint: disable=import-outside-toplevel

    from openedx_bulkmail_plugin.channel import BulkMailEmailChannel  # pylint: disable=import-outside-toplevel
    from openedx_bulkmail_plugin.message import build_message  # pylint: disable=import-outside-toplevel
    from openedx_bulkmail_plugin.platform import get_course  # pylint: disable=import-outside-toplevel

    row = task.deliveries.select_related("user").order_by("id").first()
    message = build_message(task.email, row.user, get_course(task.email.course_id))
    channel = BulkMailEmailChannel()
    mail = channel.build_mail(message, presentation.render(channel, message))
    return mail.from_email, mail.message().as_bytes(linesep="\r\n")


def time_smtplib_loop(port, count, sender, message):
    """Send ``count`` copies of ``message`` over one smtplib connection; return the seconds taken."""
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number in range(count):
            smtp.sendmail(sender, [f"learner{number}@example.com"], message)
    return time.monotonic() - started


def main():
    args = parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="bulkmail-bench-"))
    prepare_environment(args, state_dir)
    sink, port = start_sink()
    try:
        run(args, port)
    finally:
        sink.terminate()
        shutil.rmtree(state_dir, ignore_errors=True)


def create_mysql_database(url):
    """A MySQL/MariaDB DATABASE_URL names a database that may not exist yet: start it empty."""
    import dj_database_url  # pylint: disable=import-outside-toplevel
    import pymysql  # pylint: disable=import-outside-toplevel

    config = dj_database_url.parse(url)
    if "bench" not in config["NAME"]:
        raise SystemExit(f"Refusing to drop database {config['NAME']!r}: name a database with 'bench' in its name.")
    server = pymysql.connect(host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 3306),
                             user=config["USER"], password=config["PASSWORD"] or "", autocommit=True)
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{config['NAME']}`")
        cursor.execute(f"CREATE DATABASE `{config['NAME']}` CHARACTER SET utf8mb4")
    server.close()


def run(args, port):
    import django  # pylint: disable=import-outside-toplevel

    if os.environ["DATABASE_URL"].startswith("mysql"):
        create_mysql_database(os.environ["DATABASE_URL"])
    django.setup()
    import redis  # pylint: disable=import-outside-toplevel
    from django.conf import settings  # pylint: disable=import-outside-toplevel
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    from devsite.celery import app  # pylint: disable=import-outside-toplevel
    from tests import live  # pylint: disable=import-outside-toplevel

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(args.redis_url).flushdb()
    app.conf.broker_url = args.redis_url
    settings.BULKMAIL_CELERY_QUEUE = live.TEST_QUEUE
    sender = seed(args.recipients)
    worker = live.CeleryWorker(smtp_port=port, concurrency=args.concurrency,
                               settings={"BULKMAIL_BATCH_SIZE": args.batch_size})
    worker.start()
    try:
        plugin_seconds, task = time_plugin_send(sender, args.recipients)
    finally:
        worker.stop()
    plugin_rate = args.recipients / plugin_seconds
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    from_address, message = one_real_message(task)
    print(f"database: {database}; worker concurrency {args.concurrency}; batch size {args.batch_size}; "
          f"message size {len(message)} bytes")
    print(f"plugin (API to SUCCESS, {args.recipients} recipients): {plugin_seconds:.1f}s, {plugin_rate:.0f} msg/s",
          flush=True)

    loop_seconds = time_smtplib_loop(port, args.recipients, from_address, message)
    loop_rate = args.recipients / loop_seconds
    print(f"plain smtplib loop, one connection:  {loop_seconds:.1f}s, {loop_rate:.0f} msg/s")
    print(f"ratio plugin / smtplib: {plugin_rate / loop_rate:.2f}")


if __name__ == "__main__":
    main()
