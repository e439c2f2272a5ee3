"""
Run the demo: the dev site, a real Celery worker and the mail sink, together; Ctrl-C stops all.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("DEVSITE_STATE_DIR", ROOT / ".devsite"))
PORT = os.environ.get("DEMO_PORT", "8000")
COURSE = "course-v1:DemoX+Mail101+2026"


def processes():
    python = sys.executable
    queue = os.environ.get("BULKMAIL_CELERY_QUEUE", "edx.lms.core.high")
    return {
        "mail sink": [python, "-m", "devsite.mailsink", "--port", os.environ.get("EMAIL_PORT", "2525"),
                      "--maildir", str(STATE / "mailbox")],
        "worker": [python, "-m", "celery", "-A", "devsite.celery:app", "worker", "--loglevel=INFO",
                   "--concurrency=2", f"--queues={queue},edx.lms.core.default"],
        "web": [python, "manage.py", "runserver", "--noreload", f"0.0.0.0:{PORT}"],
    }


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    environment = {**os.environ, "DEVSITE_SHARED_CACHE_DIR": os.environ.get("DEVSITE_SHARED_CACHE_DIR",
                                                                            str(STATE / "cache"))}
    children = {name: subprocess.Popen(command, cwd=ROOT, env=environment) for name, command in processes().items()}
    print(
        f"\nDemo running on http://localhost:{PORT}/\n"
        f"  Email page: http://localhost:{PORT}/bulkmail/courses/{COURSE}/\n"
        f"  Mailbox:    http://localhost:{PORT}/mailbox/\n"
        "  Log in as instructor / edx (course Admin). Ctrl-C stops the site, the worker and the mail sink.\n",
        flush=True,
    )
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        stopped = [name for name, child in children.items() if child.poll() is not None]
        print(f"Stopping: {', '.join(stopped)} exited.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
