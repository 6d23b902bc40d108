# Quick start: `make demo` and `make test` work on a fresh machine with only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo keeps its state beside the checkout, never in the real per-user data home.
XERO_WA_HOME ?= $(CURDIR)/.xero-wa-demo

demo: $(STAMP)
	XERO_WA_HOME="$(XERO_WA_HOME)" $(BIN)/python -m component.demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy component

pytest: $(STAMP)
	$(BIN)/pytest -q

schema: $(STAMP)
	$(BIN)/xero-wa lint --write-schema

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
