# CoP Platform: the two commands are `make run` (try it) and `make test` (the whole suite).
#
# Both create ./.venv with the system python3 when it is missing and install the pinned
# requirements into it. A stamp file named after a hash of the requirements records what was
# installed, so the next run reinstalls only when a requirements file changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000
# Links in the demo's emails point where `make run` listens: SITE_URL follows ADDR (a bare port
# means 127.0.0.1; 0.0.0.0 means this machine's name, which is then also an allowed host),
# unless SITE_URL / ALLOWED_HOSTS are set in the environment or in .env.
ADDR_PORT := $(lastword $(subst :, ,$(ADDR)))
ADDR_HOST := $(if $(findstring :,$(ADDR)),$(patsubst %:$(ADDR_PORT),%,$(ADDR)),127.0.0.1)
LINK_HOST := $(if $(filter 0.0.0.0 [::],$(ADDR_HOST)),$(shell hostname),$(ADDR_HOST))
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x tests/communities"`.
PYTEST_ARGS ?=
# Test processes in parallel (pytest-xdist); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

RUN_HASH := $(shell cat requirements.txt | sha256sum | cut -c1-16)
DEV_HASH := $(shell cat requirements.txt requirements-dev.txt requirements-saml.txt requirements-s3.txt | sha256sum | cut -c1-16)
RUN_STAMP := $(VENV)/.installed-run-$(RUN_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEV_HASH)

.PHONY: help run upgrade test lint format migrations-check messages i18n-check venv venv-dev clean-venv

help:
	@echo "make run               start a demo on http://$(ADDR)/ (SQLite, demo data, email on the console)"
	@echo "make upgrade           after checking out a release: install, migrate, statics, search index, health figures"
	@echo "make test              run the whole test suite (Postgres when DATABASE_URL is set, else SQLite)"
	@echo "make lint              ruff check, ruff format --check and the import-layer contract"
	@echo "make format            apply ruff's fixes and formatting"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make messages          update the translation catalogues (locale/) and compile them (needs gettext)"
	@echo "make i18n-check        fail on unmarked template text or an out-of-date or incomplete catalogue"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Runtime requirements only (make run). The development stamp implies this one.
$(RUN_STAMP): | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_STAMP): | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-run-* $(VENV)/.installed-dev-*
	touch $@ $(RUN_STAMP)

venv: $(RUN_STAMP)

venv-dev: $(DEV_STAMP)

ifeq ($(shell grep -sq '^SITE_URL=' .env && echo set),)
run: export SITE_URL ?= http://$(LINK_HOST):$(ADDR_PORT)
endif
ifeq ($(shell grep -sq '^ALLOWED_HOSTS=' .env && echo set),)
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost,[::1],$(LINK_HOST)
endif
run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo
	@echo "CoP Platform: $${SITE_URL:-http://$(ADDR)}/  (stop with Ctrl+C)"
	@echo "Demo logins, password demo-password-123:"
	@echo "  coordinator@example.org  coordinates communities, approves join requests, /manage/"
	@echo "  member@example.org       an ordinary member"
	@echo "  admin@example.org        platform staff, /admin/"
	@echo "Emails (confirmations, invitations) are printed in this terminal."
	@echo
	$(PY) manage.py runserver $(ADDR)

# One command after `git checkout <release tag>` (README "Upgrades"): reinstalls only when the
# requirements changed, then `manage.py upgrade` does each step only when needed.
upgrade: $(RUN_STAMP)
	$(PY) manage.py upgrade

# --dist loadgroup: the tests of one xdist_group (a module seeding the demo once, the modules
# sharing one PostgreSQL of the fault tests) run on one worker, every other test is handed out
# alone; --no-loadscope-reorder keeps the order tests/conftest.py gives (slow tests first).
test: $(DEV_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The translation catalogues (locale/; djangojs for the scripts): extract every marked string, then compile the .mo files
# that are committed beside the .po (a machine without gettext serves them). Needs gettext.
messages: $(DEV_STAMP)
	$(PY) manage.py makemessages $(foreach lang,fr es ar,-l $(lang)) --no-obsolete --add-location file \
		$(foreach dir,.venv tests bench var docs deploy node_modules staticfiles,--ignore $(dir))
	# The strings of static/js/*.js (served by JavaScriptCatalog at /i18n/js/).
	$(PY) manage.py makemessages -d djangojs $(foreach lang,fr es ar,-l $(lang)) --no-obsolete --add-location file \
		$(foreach dir,.venv tests bench var docs deploy node_modules staticfiles static/vendor,--ignore $(dir))
	$(PY) manage.py compilemessages --ignore .venv

# Fails on a template string not marked for translation, or a catalogue out of date or incomplete.
i18n-check: $(DEV_STAMP)
	$(PY) manage.py i18n_check

migrations-check: $(DEV_STAMP)
	$(PY) manage.py makemigrations --check --dry-run

clean-venv:
	rm -rf $(VENV)
