# Two commands on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
LINT_PATHS := $(wildcard src tests benchmarks tools)

.PHONY: run test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the project metadata changes; the stamp files keep repeat runs fast.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.installed-service: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[service]'
	@touch $@

# The compliance desk on http://127.0.0.1:8000 (SQLite under the data home; the first run
# prints an admin API key once). Override with `make run PORT=8001 DB=postgresql://…`.
PORT ?= 8000
DB ?=
run: $(VENV)/.installed-run $(VENV)/.installed-service
	$(BIN)/chipcomply serve --host 127.0.0.1 --port $(PORT) $(if $(DB),--db $(DB))

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck unit

bench: $(VENV)/.installed-dev
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
