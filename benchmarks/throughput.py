"""
Sending throughput: the plugin's real path against plain smtplib, on the same (optionally slow) sink.

    .venv/bin/python benchmarks/throughput.py --recipients 4000
    .venv/bin/python benchmarks/throughput.py --smtp-latency-ms 20 --recipients 1000
    DATABASE_URL=mysql://root@127.0.0.1:3306/bulkmail_throughput_bench .venv/bin/python benchmarks/throughput.py

1. starts an aiosmtpd sink in another process that counts messages and keeps none; with
   ``--smtp-latency-ms`` every reply waits that long, as a relay across a network does;
2. makes its own database (a fresh SQLite file, or the MySQL/MariaDB database that
   DATABASE_URL names, which must have "bench" in its name: it is dropped and created
   afresh), migrates it and seeds N enrolled learners with bulk inserts;
3. starts ONE real Celery worker process (prefork, concurrency 1, unless told otherwise)
   on Redis and sends one course email to all of them through the API, timing from
   creation to SUCCESS;
4. sends as many messages of the same size (a real rendered one) with smtplib over one
   connection, then over 32 connections side by side (a thread each);
5. prints a table, then the same figures as one line of JSON.

On MariaDB/MySQL it also counts the statements the database server answered during the
plugin's send (``Questions``, a server-wide counter: keep the machine otherwise quiet, as
every client's statements count; this script's own polling is subtracted). SQLite has no
server, so nothing counts there.

A script, not a test: it prints figures and asserts nothing.
"""
import argparse
import json
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK_PROGRAM = """
import sys, time
from devsite import mailsink

class CountingSink(mailsink.MailSink):
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Message accepted for delivery"

controller = mailsink.SlowRelayController(CountingSink(latency_ms=float(sys.argv[2])), hostname="127.0.0.1",
                                          port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""
RAW_CONNECTIONS = 32


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=4000)
    parser.add_argument("--smtp-latency-ms", type=float, default=0, help="the sink waits this long before each reply")
    parser.add_argument("--concurrency", type=int, default=1, help="the worker's pool size")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    parser.add_argument("--batch-size", type=int, default=None, help="default: the plugin's BULKMAIL_BATCH_SIZE")
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


def start_sink(latency_ms):
    """The sink process and its port."""
    from devsite.mailsink import _free_port  # pylint: disable=import-outside-toplevel

    port = _free_port("127.0.0.1")
    sink = subprocess.Popen([sys.executable, "-c", SINK_PROGRAM, str(port), str(latency_ms)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
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


class ServerStatements:
    """
    Statements the MariaDB/MySQL server answered between ``start`` and ``stop``, from every client.

    ``Questions`` is read on a connection of its own; the two reads themselves are left out.
    """

    def __init__(self, url):
        import dj_database_url  # pylint: disable=import-outside-toplevel
        import pymysql  # pylint: disable=import-outside-toplevel

        config = dj_database_url.parse(url)
        self.connection = pymysql.connect(host=config["HOST"] or "127.0.0.1", port=int(config["PORT"] or 3306),
                                          user=config["USER"], password=config["PASSWORD"] or "", autocommit=True)
        self.started = None

    def questions(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS LIKE 'Questions'")
            return int(cursor.fetchone()[1])

    def start(self):
        self.started = self.questions()

    def stop(self):
        counted = self.questions() - self.started - 1
        self.connection.close()
        return counted


def own_statements():
    """Statements this process's Django connection has sent so far (MariaDB/MySQL only)."""
    from django.db import connection  # pylint: disable=import-outside-toplevel

    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Questions'")
        return int(cursor.fetchone()[1])


def wait_for_the_end(task, timeout):
    """
    Poll the send until it ends, on one kept connection, so the server's count of this
    process's polling can be read back and subtracted.
    """
    from openedx_bulkmail_plugin.models import SendTask  # pylint: disable=import-outside-toplevel

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = SendTask.objects.get(id=task.id)
        if fresh.is_finished:
            return fresh
        time.sleep(0.05)
    raise RuntimeError(f"the send had not ended after {timeout:.0f}s")


def time_plugin_send(sender, count, on_mysql):
    """Send to every learner through the worker; return (seconds, final task, statements or None)."""
    from openedx_bulkmail_plugin.models import SendTask  # pylint: disable=import-outside-toplevel
    from tests.sending_support import send_to_learners  # pylint: disable=import-outside-toplevel

    counter = ServerStatements(os.environ["DATABASE_URL"]) if on_mysql else None
    if counter:
        counter.start()
    started = time.monotonic()
    task = send_to_learners(sender, subject="Benchmark", body="<p>Hello %%USER_FULLNAME%%</p>" + "<p>x</p>" * 40)
    polling_from = own_statements() if on_mysql else 0
    task = wait_for_the_end(task, timeout=max(600, count / 2))
    seconds = time.monotonic() - started
    statements = counter.stop() - (own_statements() - polling_from) if counter else None
    if task.state != SendTask.SUCCESS or task.sent != count:
        raise RuntimeError(f"the send ended {task.state} with {task.sent}/{count} sent: {task.failure_reason}")
    return seconds, task, statements


def one_real_message(task):
    """The bytes of the message the plugin sent to its first recipient (rendered again, same size)."""
    from edx_ace import presentation  # pylint: disable=import-outside-toplevel

    from openedx_bulkmail_plugin.platform import get_course  # pylint: disable=import-outside-toplevel
    from openedx_bulkmail_plugin.sending.channel import BulkMailEmailChannel  # pylint: disable=import-outside-toplevel
    from openedx_bulkmail_plugin.sending.message import build_message  # pylint: disable=import-outside-toplevel

    row = task.deliveries.select_related("user").order_by("id").first()
    message = build_message(task.email, row.user, get_course(task.email.course_id))
    channel = BulkMailEmailChannel()
    mail = channel.build_mail(message, presentation.render(channel, message))
    return mail.from_email, mail.message().as_bytes(linesep="\r\n")


def send_over_one_connection(port, sender, message, numbers):
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number in numbers:
            smtp.sendmail(sender, [f"learner{number}@example.com"], message)


def time_smtplib(port, count, sender, message, connections):
    """Send ``count`` copies of ``message`` over ``connections`` connections at once; return the seconds."""
    shares = [range(first, count, connections) for first in range(connections)]
    threads = [threading.Thread(target=send_over_one_connection, args=(port, sender, message, share))
               for share in shares]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


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


def prepare_django(args):
    """Set up Django on this run's database and broker; return the instructor who sends."""
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
    return seed(args.recipients)


def run_plugin(args, port, sender, on_mysql):
    """The plugin's send through one worker process; return (seconds, task, statements)."""
    from tests import live  # pylint: disable=import-outside-toplevel

    worker = live.CeleryWorker(smtp_port=port, concurrency=args.concurrency, pool=args.pool,
                               settings={"BULKMAIL_BATCH_SIZE": args.batch_size} if args.batch_size else {})
    worker.start()
    try:
        return time_plugin_send(sender, args.recipients, on_mysql)
    finally:
        worker.stop()
        Path(worker.log.name).unlink(missing_ok=True)


def measure(args, port):
    """Every figure of one run, as a dict (the JSON line)."""
    from django.db import connection  # pylint: disable=import-outside-toplevel

    from openedx_bulkmail_plugin.conf import bulkmail_settings  # pylint: disable=import-outside-toplevel

    sender = prepare_django(args)
    on_mysql = connection.vendor == "mysql"
    plugin_seconds, task, statements = run_plugin(args, port, sender, on_mysql)
    from_address, message = one_real_message(task)
    raw_one = time_smtplib(port, args.recipients, from_address, message, 1)
    raw_many = time_smtplib(port, args.recipients, from_address, message, RAW_CONNECTIONS)
    count = args.recipients
    return {
        "database": connection.vendor, "recipients": count, "smtp_latency_ms": args.smtp_latency_ms,
        "pool": args.pool, "concurrency": args.concurrency,
        "batch_size": args.batch_size or bulkmail_settings.BATCH_SIZE,
        "message_bytes": len(message),
        "plugin_s": round(plugin_seconds, 2), "plugin_msg_s": round(count / plugin_seconds, 1),
        "raw1_s": round(raw_one, 2), "raw1_msg_s": round(count / raw_one, 1),
        "raw32_s": round(raw_many, 2), "raw32_msg_s": round(count / raw_many, 1),
        "plugin_over_raw1": round(raw_one / plugin_seconds, 3),
        "plugin_over_raw32": round(raw_many / plugin_seconds, 3),
        "statements_per_recipient": round(statements / count, 2) if statements is not None else None,
    }


def print_table(figures):
    count = figures["recipients"]
    print(f"\n{figures['database']}; {count} recipients; sink latency {figures['smtp_latency_ms']:g} ms per reply; "
          f"worker pool {figures['pool']} x{figures['concurrency']}; batch {figures['batch_size']}; "
          f"{figures['message_bytes']} bytes per message")
    rows = [
        ("plugin, API to SUCCESS", figures["plugin_s"], figures["plugin_msg_s"]),
        ("smtplib, 1 connection", figures["raw1_s"], figures["raw1_msg_s"]),
        (f"smtplib, {RAW_CONNECTIONS} connections", figures["raw32_s"], figures["raw32_msg_s"]),
    ]
    print(f"{'':26}{'seconds':>10}{'msg/s':>10}")
    for name, seconds, rate in rows:
        print(f"{name:26}{seconds:>10.2f}{rate:>10.1f}")
    print(f"plugin / smtplib 1 connection:   {figures['plugin_over_raw1']:.3f}")
    print(f"plugin / smtplib {RAW_CONNECTIONS} connections: {figures['plugin_over_raw32']:.3f}")
    per_recipient = figures["statements_per_recipient"]
    print("statements per recipient (server-wide Questions, own polling subtracted; needs a quiet server): "
          + (f"{per_recipient:.2f}" if per_recipient is not None else "n/a (SQLite has no server counter)"))
    print(json.dumps(figures), flush=True)


def main():
    args = parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="bulkmail-bench-"))
    prepare_environment(args, state_dir)
    sink, port = start_sink(args.smtp_latency_ms)
    try:
        print_table(measure(args, port))
    finally:
        sink.terminate()
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
