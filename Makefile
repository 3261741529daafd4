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

# One line per step, then what the step produced (the plan's summary, the demo accounts); `make run V=1`
# shows the commands and every line of their output.
V ?= 0
ifeq ($(V),0)
Q := @
QUIET := --verbosity 0
endif

setup: install
	@echo "[setup 1/4] database: applying migrations"
	$(Q)$(PY) manage.py migrate --noinput $(QUIET)
	@echo "[setup 2/4] plan: importing $(PLAN)"
	$(Q)$(PY) manage.py import_plan $(PLAN) $(QUIET)
	@echo "[setup 3/4] demo accounts"
	$(Q)$(PY) manage.py seed_demo
	@echo "[setup 4/4] demo year (reports, 督办, 考核; about two minutes the first time)"
	$(Q)$(PY) manage.py seed_demo_year

# Another address or port: make run HOST=127.0.0.1:8001 (or HOST=0.0.0.0:8000 to be reached from the network).
run: setup
	@echo
	@echo "  unionplan → http://$(HOST)/   web + Celery worker + beat (Ctrl-C stops all three)"
	@echo
	$(Q)$(PY) -m unionplan.launcher --host $(HOST) $(if $(filter 0,$(V)),--quiet,)

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
