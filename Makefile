# Seatdesk: `make run` to try it, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= true

.PHONY: install run test lint format bench load worker beat services backup restore-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	test -f .env || cp .env.example .env

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	DATABASE_URL=sqlite:// $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m tests.bench $(ARGS)

# Locust against the Procfile's processes behind haproxy, on DATABASE_URL (PostgreSQL with the
# demo logins), e.g. ARGS="--users 40 --run-time 60 --kill-one". Needs haproxy and redis-server.
load: install
	$(BIN)/python -m loadtest.run $(ARGS)

# A Celery worker and beat against REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0 make services).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

services: install
	$(BIN)/celery -A config worker --beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

# PostgreSQL only: a custom-format dump, the stored PDFs and a manifest in backups/<time>/.
backup: install
	$(BIN)/python manage.py backup

# Restore DUMP into a fresh database and compare row counts, quote totals and PDF SHA-256s.
restore-check: install
	@test -n "$(DUMP)" || { echo "Usage: make restore-check DUMP=backups/<time>/seatdesk.dump"; exit 2; }
	$(BIN)/python manage.py restore_check "$(DUMP)"
