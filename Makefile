# Sclero Clinic: `make run` serves the demo clinic, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# make is the development tool: every command it runs is in development,
# plain-HTTP mode (DEBUG on). Production runs manage.py and gunicorn with
# its own environment (OPERATIONS.md), where DEBUG is off by default.
export DJANGO_DEBUG = 1

.PHONY: run test test-dates lint install migrate demo bench bench-data bench-load clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	SCLERO_2FA_REQUIRED=0 $(PY) manage.py load_demo --allow-demo

# The demo runs without two-factor authentication (SCLERO_2FA_REQUIRED=0);
# production keeps the default, on.
# The task worker (reminders) runs beside the web server as a second
# process, and stops with it.
run: demo
	@echo "Log in at http://$(HOST):$(PORT)/ as clinician, frontdesk or manager (password: sclero-demo)"
	@echo "Demo mode: two-factor authentication is OFF (SCLERO_2FA_REQUIRED=0)."
	@echo "The task worker (reminders) runs too: manage.py db_worker."
	@SCLERO_2FA_REQUIRED=0 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SCLERO_2FA_REQUIRED=0 $(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs on TEST_WORKERS processes (pytest-xdist), one per core of
# the CI machine; TEST_WORKERS=0 runs it in this process (for a debugger).
TEST_WORKERS ?= 2

test: install lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS)

# The date-dependent tests again with the clock frozen on other dates: a
# Saturday and a day after the 2027 dates the suite once booked. Not part of
# `make test`; CI runs it after the full runs.
TEST_DATES ?= 2026-11-21T10:00:00+01:00 2028-01-15T10:00:00+01:00

test-dates: install
	@for now in $(TEST_DATES); do \
	  echo "== date-dependent tests with SCLERO_TEST_NOW=$$now =="; \
	  SCLERO_TEST_NOW=$$now $(PY) -m pytest -n $(TEST_WORKERS) -m date_dependent || exit $$?; \
	done

# Style, types and the one-way layers between apps (import-linter).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Benchmarks (issue 15). Never the DATABASE_URL database: `bench` and
# `bench-load` make a throwaway one for the demo data (BENCH_DATA=demo),
# or read the one `make bench-data` made (BENCH_DATA=big, bench/.bigdata.json).
# The demo's throwaway database is PostgreSQL on the server of BENCH_PG
# (or of a postgres:// DATABASE_URL), else a temporary SQLite file.
# BENCH_ARGS passes more options, e.g. BENCH_ARGS="--save before.json".
BENCH_DATA ?= demo
BENCH_PG ?=
BENCH_ARGS ?=

bench: install
	$(PY) bench/run.py --data $(BENCH_DATA) $(if $(BENCH_PG),--pg $(BENCH_PG)) $(BENCH_ARGS)

# The big data set (bench/bigdata.py): SCALE patients with their sessions,
# injections, visits and Doppler, written by COPY into a PostgreSQL database
# of its own, sclero_bench_big (or BENCH_DB), on the server of a postgres://
# DATABASE_URL (its own database is never touched); FORCE=1 drops and makes
# it anew. It writes bench/.bigdata.json for BENCH_DATA=big. Minutes, not hours.
SCALE ?= 100000
bench-data: install
	$(PY) bench/bigdata.py --scale $(SCALE) $(if $(FORCE),--force)

# gunicorn (2 workers, 127.0.0.1) under 50 logged-in connections for 60 s.
bench-load: install
	$(PY) bench/load.py --data $(BENCH_DATA) $(if $(BENCH_PG),--pg $(BENCH_PG)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
