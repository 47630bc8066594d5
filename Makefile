# Two commands on a fresh machine: `make demo` (run the main job on the embedded defaults) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Offline-friendly Prefect and GX: no analytics, state kept inside the project.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export GX_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: install demo up test lint bench bench-seed clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[postgres,dask,dev]'
	touch $(STAMP)

demo: install
	mkdir -p $(PREFECT_HOME)
	$(BIN)/campaigns demo

# A local Prefect server with every deployment served (UI at http://127.0.0.1:4200); Ctrl-C stops both.
up: install
	mkdir -p $(PREFECT_HOME)
	$(BIN)/campaigns serve

lint: install
	$(BIN)/ruff check .

test: lint
	mkdir -p $(PREFECT_HOME)
	$(BIN)/python -m pytest

# The scale benchmark: seed 1,000,000 households, run every campaign, print per-stage figures (bench/harness.py).
bench: install
	$(BIN)/python bench/harness.py --households 1000000

bench-seed: install
	$(BIN)/python bench/bench_seed.py --households 1000000

clean:
	rm -rf var .pytest_cache .ruff_cache
