# Rectify: `make run` sets everything up and starts the app; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run serve migrate demo test test-sqlite test-services lint typecheck messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py backfill_history

demo: migrate
	$(PY) manage.py load_demo

## Installs, migrates, loads the demo and serves the app with its Celery worker and beat.
run: demo
	HOST=$(HOST) PORT=$(PORT) scripts/run-all

## The whole suite: SQLite, then PostgreSQL + Redis where they run (always under CI=true).
test: install
	scripts/test

test-sqlite: install
	$(PY) -m pytest -n auto --dist loadfile

lint: install
	$(VENV)/bin/ruff check .

## mypy with the Django and DRF plugins on the apps (settings in pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

## Refresh and compile the per-area zh-hans catalogues (locale/<area>/): scripts/messages.py.
messages: install
	$(PY) scripts/messages.py

clean:
	rm -rf var staticfiles .pytest_cache
