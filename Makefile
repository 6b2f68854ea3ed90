# The one entry point: `make demo`, `make test`, `make bench`, `make lint`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup demo serve test test-slow bench lint format lock clean

setup: $(VENV)/.installed node_modules/.installed

$(BIN)/uv:
	@test -n "$(PYTHON)" || { echo "Lastmile needs Python 3.12 or newer (python3.12 on PATH)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Compile the installed packages and our sources to bytecode once: machines that set
# PYTHONDONTWRITEBYTECODE=1 never write it themselves, and then every start recompiles the
# whole stack (twice the CPU of a compiled start). compileall skips what is up to date.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j 0 $(VENV)/lib src
	@touch $@

node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: web pages will run without their front-end libraries" >&2; fi

demo: setup
	$(BIN)/lastmile demo $(ARGS)

serve: setup
	$(BIN)/lastmile serve

# The fast tier on TEST_WORKERS processes (pytest-xdist): each has its own SQLite files and
# PostgreSQL schema. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/pytest -m "not slow" -n $(TEST_WORKERS) $(ARGS)

# The whole-system tier (fuzzing, kill -9, outages, several processes, the demo): CI runs it too.
test-slow: setup
	$(BIN)/pytest -m slow $(ARGS)

lint: setup
	$(BIN)/ruff check src tests bench testkit
	$(BIN)/ruff format --check src tests bench testkit
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format src tests bench testkit
	$(BIN)/ruff check --fix src tests bench testkit

bench: setup
	$(BIN)/python bench/run.py

lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --universal \
		--python-version 3.12 -o requirements.lock --quiet

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
