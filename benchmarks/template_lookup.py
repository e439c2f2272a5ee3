"""
What looking up the templates of one course email costs on the dev site, as edx-ace does it.

    .venv/bin/python benchmarks/template_lookup.py

edx-ace calls ``django.template.loader.get_template`` once per part of a message (subject,
bodies, head, sender name), for every message. In an LMS that lookup is not cached: each
call asks every loader in turn, which tries every template directory in turn, then parses
the file it finds. This prints, per message and per lookup: the time, the template loader
calls and the file-open attempts, so the dev site can be compared with an LMS.

A script, not a test: it prints figures and asserts nothing.
"""
import argparse
import builtins
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACE_TEMPLATES = "openedx_bulkmail_plugin/edx_ace/course_email/email/"
MESSAGE_PARTS = ["subject.txt", "body.html", "body.txt", "head.html", "from_name.txt"]


@contextmanager
def counting_calls(owner, name, counts, key):
    """Count calls of ``owner.name`` into ``counts[key]`` while the block runs."""
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        counts[key] += 1
        return original(*args, **kwargs)

    with mock.patch.object(owner, name, counted):
        yield


def look_up_one_message():
    from django.template import loader  # pylint: disable=import-outside-toplevel

    for part in MESSAGE_PARTS:
        loader.get_template(ACE_TEMPLATES + part)


def count_one_message():
    """Loader calls and file-open attempts for the five templates of one message, once warm."""
    from django.template import engines  # pylint: disable=import-outside-toplevel

    look_up_one_message()
    counts = {"loader calls": 0, "file opens": 0}
    with ExitStack() as stack:
        for engine in engines.all():
            for template_loader in getattr(getattr(engine, "engine", None), "template_loaders", []):
                stack.enter_context(counting_calls(template_loader, "get_template", counts, "loader calls"))
        stack.enter_context(counting_calls(builtins, "open", counts, "file opens"))
        look_up_one_message()
    return counts


def seconds_per_message(messages):
    look_up_one_message()
    started = time.perf_counter()
    for _ in range(messages):
        look_up_one_message()
    return (time.perf_counter() - started) / messages


def describe_loaders(loaders):
    if not loaders:
        return "Django's default (cached when DEBUG is off)"
    return ", ".join(f"{loader[0]} ({len(loader[1])} dirs)" if isinstance(loader, tuple) else loader
                     for loader in loaders)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devsite.settings")
    os.environ.setdefault("DEVSITE_DEBUG", "0")
    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    engine = settings.TEMPLATES[0]
    print(f"loaders: {describe_loaders(engine.get('OPTIONS', {}).get('loaders'))}")
    print(f"DIRS: {len(engine.get('DIRS', []))}; APP_DIRS: {engine.get('APP_DIRS', False)}; "
          f"engines: {len(settings.TEMPLATES)}")
    counts = count_one_message()
    seconds = seconds_per_message(args.messages)
    parts = len(MESSAGE_PARTS)
    print(f"per message ({parts} lookups): {seconds * 1e3:.3f} ms, {counts['loader calls']} loader calls, "
          f"{counts['file opens']} file opens")
    print(f"per lookup: {seconds * 1e3 / parts:.3f} ms, {counts['loader calls'] / parts:.1f} loader calls, "
          f"{counts['file opens'] / parts:.1f} file opens")


if __name__ == "__main__":
    main()
