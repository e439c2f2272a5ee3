.PHONY: help venv requirements upgrade demo migrate seed test test-sqlite test-mysql test-e2e test-browser \
        test-tutor quality benchmark dist clean \
        extract_translations compile_translations dummy_translations pull_translations

.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

help: ## show the make targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.txt requirements/test.txt requirements/base.txt setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## make the virtualenv and install everything

requirements: venv ## install the pinned requirements

upgrade: venv ## re-pin requirements/*.txt from requirements/*.in
	cd requirements && for f in base pip-tools test quality dev tutor; do \
	  ../$(BIN)/pip-compile -q --upgrade --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe -o $$f.txt $$f.in; done

migrate: venv ## create or update the dev site's database
	$(BIN)/python manage.py migrate --noinput

seed: migrate ## build the demo course (idempotent)
	$(BIN)/python manage.py seed_demo_course

demo: seed ## run the demo site on http://localhost:8000 with a worker and a mail sink
	$(BIN)/python -m devsite.run_demo

test: venv ## run the whole test suite (SQLite)
	$(BIN)/python -m pytest

MYSQL_URL ?= mysql://root@127.0.0.1:3306/bulkmail

test-mysql: venv ## run the whole test suite on MariaDB (MYSQL_URL, default 127.0.0.1:3306)
	DATABASE_URL=$(MYSQL_URL) $(BIN)/python -m pytest

test-e2e: venv ## only the end-to-end tests (real worker and SMTP; Redis if it answers)
	$(BIN)/python -m pytest -m e2e

test-browser: venv ## only the browser tests (headless Chromium)
	$(BIN)/python -m pytest -m browser

test-tutor: ## the Tutor plugin's tests, in their own virtualenv
	test -x .venv-tutor/bin/python || $(PYTHON) -m venv .venv-tutor
	.venv-tutor/bin/pip install -q -r requirements/tutor.txt -e tutor-contrib-bulkmail
	.venv-tutor/bin/python -m pytest tutor-contrib-bulkmail/tests

# The quality checks see the site as the demo runs it.
quality: export DEVSITE_SHARED_CACHE_DIR = $(CURDIR)/.devsite/cache
quality: venv ## lint, and check that models and migrations agree
	$(BIN)/ruff check openedx_bulkmail_plugin devsite tests benchmarks
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

dist: venv ## build the sdist and wheel into dist/ and check them (twine check, contents)
	rm -rf dist build
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	$(BIN)/python .ci/check_wheel.py dist/*.whl

# Translations, as Open edX plugins do them (OEP-58): the English source catalogue is
# extracted here, real languages are pulled from openedx-translations with atlas.
# The Email page's script strings are Python gettext (dashboard/catalog.py), so the
# django domain holds every string; there is no djangojs catalogue.
APP := openedx_bulkmail_plugin
OPENEDX_ATLAS_ARGS ?=

extract_translations: venv ## extract the English source strings into conf/locale/en
	cd $(APP) && $(abspath $(BIN))/python ../manage.py makemessages -l en -v1 -d django --no-obsolete
	# English's plural rule instead of makemessages' placeholder, which gettext cannot compile.
	sed -i -e '/^"POT-Creation-Date: /d' -e 's/nplurals=INTEGER; plural=EXPRESSION;/nplurals=2; plural=(n != 1);/' \
	  $(APP)/conf/locale/en/LC_MESSAGES/django.po

dummy_translations: venv ## make the dummy language eo from the English strings
	cd $(APP) && $(abspath $(BIN))/i18n_tool dummy

compile_translations: venv ## compile every language's .po into the .mo Django reads
	cd $(APP) && $(abspath $(BIN))/python ../manage.py compilemessages

pull_translations: venv ## pull the real languages from openedx-translations (atlas)
	find $(APP)/conf/locale -mindepth 1 -maxdepth 1 -type d ! -name en ! -name eo -exec rm -r {} +
	cd $(APP)/conf/locale && $(abspath $(BIN))/atlas pull $(OPENEDX_ATLAS_ARGS) \
	  translations/openedx-bulkmail-plugin/$(APP)/conf/locale:.
	$(MAKE) compile_translations

benchmark: venv ## run the benchmark scripts (they print figures)
	$(BIN)/python benchmarks/recipients.py
	$(BIN)/python benchmarks/throughput.py

clean: ## remove the virtualenv and the dev site's state
	rm -rf $(VENV) .venv-tutor .devsite dist build
