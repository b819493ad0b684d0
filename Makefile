# undersigned — the two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
UV_VERSION := 0.13.8
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
# The type checker (configured in pyproject.toml); the django-stubs plugin loads the settings,
# which need a writable data directory.
MYPY := UNDERSIGNED_DATA_DIR=$$(mktemp -d) $(VENV)/bin/mypy
# PostgreSQL for the second test run; override to point elsewhere.
UNDERSIGNED_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres fuzz setup browser-deps lint typecheck bench clean

$(VENV)/.installed: pyproject.toml uv.lock scripts/find-python
	@PY=$$(scripts/find-python) || exit 1; \
	  echo "Using $$PY ($$($$PY --version))"; \
	  [ -x $(VENV)/bin/python ] || $$PY -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --locked --inexact --quiet --python $(VENV)/bin/python
	touch $@

setup: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

browser-deps: node_modules/.installed

# Links in mails and feeds point at the port actually served, unless BASE_URL says otherwise.
run: export UNDERSIGNED_BASE_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(VENV)/bin/undersigned migrate --no-input
	$(VENV)/bin/undersigned demo --once
	@echo
	@echo "The site:  $$UNDERSIGNED_BASE_URL/"
	@echo "The admin: $$UNDERSIGNED_BASE_URL/admin/"
	@echo "To create the first editor account (an administrator), run in another terminal:"
	@echo "    $(VENV)/bin/undersigned createsuperuser"
	@echo
	$(VENV)/bin/undersigned serve --host 127.0.0.1 --port $(PORT)

test: setup browser-deps
	$(VENV)/bin/ruff check .
	$(MYPY)
	$(VENV)/bin/undersigned makemigrations --check --dry-run >/dev/null
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	UNDERSIGNED_DATA_DIR=$$(mktemp -d) UNDERSIGNED_DATABASE_URL= $(VENV)/bin/pytest -n 2 -q

test-postgres:
	@if $(VENV)/bin/python scripts/db-answers "$(UNDERSIGNED_TEST_POSTGRES)"; then \
	  echo "== test suite on PostgreSQL ($(UNDERSIGNED_TEST_POSTGRES)) =="; \
	  UNDERSIGNED_DATA_DIR=$$(mktemp -d) UNDERSIGNED_DATABASE_URL="$(UNDERSIGNED_TEST_POSTGRES)" $(VENV)/bin/pytest -n 2 -q; \
	else \
	  echo "!! PostgreSQL at $(UNDERSIGNED_TEST_POSTGRES) does not answer: the PostgreSQL run is SKIPPED."; \
	  if [ -n "$$CI" ]; then echo "!! CI requires both runs."; exit 1; fi; \
	fi

# The property tests (hypothesis) with a large random budget, to find new failing inputs; under
# `make test` they run derandomised with a fixed budget (tests/conftest.py, docs/testing.md).
fuzz: setup
	UNDERSIGNED_DATA_DIR=$$(mktemp -d) $(VENV)/bin/pytest -n 2 -q --hypothesis-profile=fuzz \
	  $$(grep -rl --include='test_*.py' '^from hypothesis import' tests)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(MYPY)

# Benchmarks of docs/benchmarks.md; QUICK=1 for short development runs.
bench: setup
	$(VENV)/bin/python bench/run.py $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) node_modules
