# The two commands of the README: `make run` and `make test`. Both set up everything.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test e2e bench setup migrate lint format clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Fresh development secrets, written once; never overwritten.
.env: | $(VENV)/.installed
	$(PY) -m mspprocess.devenv .env

setup: $(VENV)/.installed .env

migrate: setup
	$(PY) manage.py migrate --noinput

# The demo's connection test needs the server up (the sandbox answers over HTTP):
# it runs in the background once /healthz answers, while the server runs in front.
run: migrate
	$(PY) manage.py demo
	@echo ""
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@$(PY) -m mspprocess.checkwhenup http://$(HOST):$(PORT) acme &
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest

# Browser tests: Playwright driving Debian's chromium (never a downloaded browser).
e2e: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-e2e.txt
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	E2E=1 $(PY) -m pytest -p playwright tests/e2e

# Benchmarks (not tests): gunicorn + PostgreSQL + Redis, figures to bench/results.json.
bench: setup
	$(PY) -m bench.run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
