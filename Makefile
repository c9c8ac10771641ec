# The interface: `make run` starts the app with demo data, `make test` runs the whole suite.
# Both set everything up first (virtualenv, packages, translations) and are safe to repeat.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The base of the links in receipts' QR codes follows HOST/PORT under `make run`, unless set in
# the environment, on the command line or in .env. Listening on every address (HOST=0.0.0.0)
# prints this machine's first network address instead: a phone cannot open 0.0.0.0.
PUBLIC_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),$(or $(firstword $(shell hostname -I 2>/dev/null)),$(HOST)),$(HOST))
RUN_PUBLIC_BASE_URL = http://$(if $(findstring :,$(PUBLIC_HOST)),[$(PUBLIC_HOST)],$(PUBLIC_HOST)):$(PORT)
ifeq ($(origin PUBLIC_BASE_URL),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*(export[[:space:]]+)?PUBLIC_BASE_URL=[^[:space:]]' .env),)
run public-base-url: export PUBLIC_BASE_URL = $(RUN_PUBLIC_BASE_URL)
endif
endif

.PHONY: help setup system-deps run public-base-url test lint fmt check messages worker beat bench clean vendor backup restore

help:
	@echo "make run    - set up, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint / make fmt / make messages / make worker / make beat"
	@echo "make backup / make restore BACKUP=backups/<timestamp>  (docs/dbfault.md)"

# gettext compiles the translations; installed with apt when missing (we run as root on CI).
system-deps:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null); \
	  else echo "Please install GNU gettext (e.g. sudo apt-get install gettext)"; exit 1; fi; }

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: system-deps $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo "Log in at http://$(HOST):$(PORT)/ as any user above: one table per center of the network (README: The network of centers)."
	@echo "QR codes on receipts point at $${PUBLIC_BASE_URL:-the PUBLIC_BASE_URL in .env}"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# What `make run` puts in receipts' QR codes (the settings' default when this prints nothing).
public-base-url:
	@echo "$$PUBLIC_BASE_URL"

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v0

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the message catalogues after changing user-visible text. Source strings are
# Simplified Chinese: zh_Hans is filled from them; English translations go in locale/en.
MESSAGE_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=test-artifacts --ignore=tests --ignore=bench
messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans -l en $(MESSAGE_IGNORE) --no-obsolete
	$(BIN)/python scripts/po.py fill-source locale/zh_Hans/LC_MESSAGES/django.po
	-$(BIN)/python scripts/po.py missing locale/en/LC_MESSAGES/django.po | tail -n 1

worker: setup
	$(BIN)/celery -A zongzhi worker -l info

beat: setup
	$(BIN)/celery -A zongzhi beat -l info

# Database (pg_dump -Fc, or an online SQLite copy) + media + manifest into backups/<timestamp>/;
# restore into an EMPTY database (DATABASE_URL) and MEDIA_ROOT. See docs/dbfault.md. No "setup":
# cron runs these; they must never install anything.
BACKUP_DIR ?= backups
backup:
	$(BIN)/python manage.py backup --to $(BACKUP_DIR)

restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp>"; exit 2; }
	$(BIN)/python manage.py restore $(BACKUP)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Refresh the vendored front-end libraries from npm (needs node/npm; the files are committed).
vendor:
	npm install --no-audit --no-fund --silent
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	sed -i '/sourceMappingURL=/d' static/vendor/chartjs/chart.umd.min.js
