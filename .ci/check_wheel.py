"""
Check that the built wheel holds what an LMS needs from it, beyond the Python modules.

``twine check`` only reads the metadata; a MANIFEST.in or package-data slip would still ship
a wheel that installs cleanly and then fails in the LMS (a missing template, script or
migration, or no entry point, so the LMS never loads the plugin). Every data file of the
checkout's package and every migration must be in the wheel, and its entry points must be
those the LMS and edx-ace look up.

Usage: python .ci/check_wheel.py dist/*.whl
"""
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "openedx_bulkmail_plugin"
ENTRY_POINTS = {
    "lms.djangoapp": "openedx_bulkmail_plugin = openedx_bulkmail_plugin.apps:BulkMailConfig",
    "openedx.ace.channel": "bulkmail_email = openedx_bulkmail_plugin.sending.channel:BulkMailEmailChannel",
    "openedx.ace.policy": "bulkmail_course_optout = openedx_bulkmail_plugin.sending.policy:CourseOptoutPolicy",
}
# Files of the package directory that the LMS never reads: tool configuration.
NOT_SHIPPED = {f"{PACKAGE}/conf/locale/config.yaml"}


def expected_files():
    """Data files (templates, static, translations) and migrations of the checkout's package."""
    for path in sorted((ROOT / PACKAGE).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT).as_posix()
        if relative in NOT_SHIPPED:
            continue
        if path.suffix != ".py" or "/migrations/" in relative:
            yield relative


def entry_points(names):
    """{group: set of lines} of the wheel's entry_points.txt."""
    text = ""
    for name in names:
        if name.endswith(".dist-info/entry_points.txt"):
            text = WHEEL.read(name).decode()
    groups, group = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            group = line.strip("[]")
        elif line and group:
            groups.setdefault(group, set()).add(" ".join(line.split()))
    return groups


def main(wheel_path):
    global WHEEL  # pylint: disable=global-statement
    WHEEL = zipfile.ZipFile(wheel_path)
    names = set(WHEEL.namelist())
    problems = [f"missing from the wheel: {name}" for name in expected_files() if name not in names]
    for kind in ("templates/", "static/", "migrations/0001_"):
        if not any(name.startswith(f"{PACKAGE}/{kind}") for name in names):
            problems.append(f"no {kind} files in the wheel at all")
    groups = entry_points(names)
    for group, line in ENTRY_POINTS.items():
        if line not in groups.get(group, set()):
            problems.append(f"entry point missing: [{group}] {line}")
    for problem in problems:
        print(problem)
    print(f"{wheel_path}: {len(names)} files, " + ("FAILED" if problems else "templates, static files, "
          "translations, migrations and entry points present"))
    return 1 if problems else 0


WHEEL = None

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
