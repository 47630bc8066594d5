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
PREFECT_DB := $(PREFECT_HOME)/prefect.db

.PHONY: install demo up test test-unit lint bench bench-seed clean

install: $(STAMP) $(PREFECT_DB)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[postgres,dask,dev]'
	touch $(STAMP)

# Prefect's own database, migrated once at set-up (again after an upgrade): otherwise the temporary Prefect API
# of a command's first run migrates it on its first start, inside a time limit (CAMPAIGNS_PREFECT_STARTUP_TIMEOUT_SECONDS).
$(PREFECT_DB): $(STAMP)
	mkdir -p $(PREFECT_HOME)
	@echo "Preparing Prefect's own database in $(PREFECT_HOME) (once: 10 s to a minute)"
	$(BIN)/prefect server database upgrade -y >/dev/null
	touch $(PREFECT_DB)

demo: install
	$(BIN)/campaigns demo

# A local Prefect server with every deployment served (UI at http://127.0.0.1:4200); Ctrl-C stops both.
up: install
	$(BIN)/campaigns serve

lint: install
	$(BIN)/ruff check .

# Four workers on two cores (pytest-xdist): the flow tests spend much of their time waiting on servers, leases
# and processes, which the extra workers fill (under CI's load: 12 min 8 s; 15 min 5 s on three, 16 min 27 s on
# two); a worker that runs out of tests takes some of another's, so one long file does not end the run alone.
test: lint
	$(BIN)/python -m pytest -n 4 --dist worksteal

# The pure tier only (tests/unit: no database, no Prefect server), for the edit-test loop.
test-unit: lint
	$(BIN)/python -m pytest tests/unit

# The scale benchmark: seed 1,000,000 households, run every campaign, print per-stage figures (bench/harness.py).
bench: install
	$(BIN)/python bench/harness.py --households 1000000

bench-seed: install
	$(BIN)/python bench/bench_seed.py --households 1000000

clean:
	rm -rf var .pytest_cache .ruff_cache
