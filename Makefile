# sg989: `make run` starts everything on the embedded default, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-postgres demo lint format bench bench-writes histories screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "sg989 needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	@touch $(STAMP)

run: $(STAMP)  ## Temporal dev server (persistent, under data/), migrations, worker and API
	$(BIN)/sg989 up

test: $(STAMP)  ## the whole test suite, on the real Temporal servers from PyPI
	$(BIN)/python -m pytest

test-postgres: $(STAMP)  ## the same suite on a throwaway PostgreSQL server (installs it if missing)
	bash .ci/with-postgres $(BIN)/python -m pytest

demo: $(STAMP)  ## one case through the full path; needs `make run` in another terminal
	$(BIN)/sg989 demo

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy domain workflows activities store api reports sg989

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## read latency over 2000 cases, then write throughput and history size
	$(BIN)/python -m benchmarks.bench_reads --cases 2000
	$(BIN)/python -m benchmarks.bench_writes

bench-writes: $(STAMP)  ## sg989 task completion vs bare Temporal (c=1,5,20) and history size
	$(BIN)/python -m benchmarks.bench_writes

bench-memory: $(STAMP)  ## worker RSS with 10,000 open cases; an Update on an evicted vs a cached case
	$(BIN)/python -m benchmarks.bench_writes --only memory --cases 10000

screenshots: $(STAMP)  ## refresh the README's screenshots of the web app (docs/screenshots/)
	SG989_SCREENSHOTS=1 $(BIN)/python -m pytest tests/web/test_browser.py -q

histories: $(STAMP)  ## record new replay histories (never re-record existing ones)
	$(BIN)/python -m tests.workflows.record_histories

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench-reads
bench-reads: $(STAMP)  ## GET /tasks and GET /cases p50/p95 and response size at 100,000 cases
	$(BIN)/python -m benchmarks.bench_reads --cases 100000
