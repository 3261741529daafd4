# unionplan: `make run` sets up and starts the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
PLAN ?= tasks/plans/2020-city-union-work-plan.txt

.PHONY: run setup test install clean bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_plan $(PLAN)
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_year

run: setup
	@echo
	@echo "  unionplan → http://$(HOST)/   web + Celery worker + beat (Ctrl-C stops all three)"
	@echo
	$(PY) -m unionplan.launcher --host $(HOST)

# Unused imports and the import rules first (seconds), then the suite over every core (pytest-xdist).
test: install
	$(VENV)/bin/ruff check --quiet --select F,E9 --exclude .venv,var .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# Every page at 18 and 10,000 items, the cached dashboard against a bare view over gunicorn + wrk, the
# roll-up of 10,000 items; one table at the end (bench/all.py)
# (PostgreSQL and Redis needed: BENCH_DATABASE_URL names the bench databases' stem, built once).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/unionplan_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/0
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/all.py

clean:
	rm -rf var/unionplan.sqlite3 var/broker var/staticfiles
