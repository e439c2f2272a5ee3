"""
Package metadata for openedx-bulkmail-plugin.
"""
import os
import re

from setuptools import find_namespace_packages, setup

HERE = os.path.dirname(__file__)


def get_version(*file_paths):
    """Read ``__version__`` from the package, so it is declared in one place."""
    with open(os.path.join(HERE, *file_paths), encoding="utf-8") as version_file:
        match = re.search(r"^__version__ = ['\"]([^'\"]*)['\"]", version_file.read(), re.M)
    if not match:
        raise RuntimeError("Unable to find version string.")
    return match.group(1)


def load_requirements(*requirements_paths):
    """
    Read the top-level requirements from ``.in`` files, so install_requires stays loose.

    Pinned versions live in the compiled ``.txt`` files; an installed package must
    accept whatever the LMS already pins.
    """
    requirements = []
    for path in requirements_paths:
        with open(os.path.join(HERE, path), encoding="utf-8") as reqs:
            for line in reqs:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith(("-c", "-r", "-e")):
                    requirements.append(line)
    return requirements


with open(os.path.join(HERE, "README.rst"), encoding="utf-8") as readme_file:
    README = readme_file.read()
with open(os.path.join(HERE, "CHANGELOG.rst"), encoding="utf-8") as changelog_file:
    CHANGELOG = changelog_file.read()

setup(
    name="openedx-bulkmail-plugin",
    version=get_version("openedx_bulkmail_plugin", "__init__.py"),
    description="Course bulk email for Open edX, as an LMS plugin.",
    long_description=README + "\n\n" + CHANGELOG,
    long_description_content_type="text/x-rst",
    license="AGPL-3.0-or-later",
    # Namespace discovery, so templates/ and static/ (folders without __init__.py) ship too.
    packages=find_namespace_packages(include=["openedx_bulkmail_plugin", "openedx_bulkmail_plugin.*"]),
    include_package_data=True,
    install_requires=load_requirements("requirements/base.in"),
    python_requires=">=3.11",
    zip_safe=False,
    entry_points={
        "lms.djangoapp": [
            "openedx_bulkmail_plugin = openedx_bulkmail_plugin.apps:BulkMailConfig",
        ],
        "openedx.ace.channel": [
            "bulkmail_email = openedx_bulkmail_plugin.sending.channel:BulkMailEmailChannel",
        ],
        "openedx.ace.policy": [
            "bulkmail_course_optout = openedx_bulkmail_plugin.sending.policy:CourseOptoutPolicy",
        ],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Natural Language :: English",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
