# The two commands a newcomer needs: `make demo` and `make test` (both install first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint typecheck wheel-check bench clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

demo: $(INSTALLED)  ## ingest the bundled sample corpus into ./lake
	$(BIN)/newslake demo

test: $(INSTALLED)  ## lint, type-check, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

wheel-check: $(INSTALLED)  ## build the wheel, install it without constraints on 3.11 and 3.13, run it
	.ci/check-wheel

clean:
	rm -rf $(VENV) lake .pytest_cache .ruff_cache
