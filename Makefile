# Brandloom: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo stop cli test lint typecheck unit browser-deps wordpress-deps ghost-deps bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull several GB of CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# The chat workspace on http://localhost:8000 (embedded Redis, SQLite chat history, local model).
# First start prints the password of the `admin` user; add users with `brandloom users add`.
run: $(STAMP)
	$(BIN)/chainlit run app.py --headless --host 127.0.0.1 --port 8000

# The same sample campaign headless through the CLI, every gate auto-approved.
demo: $(STAMP)
	$(BIN)/brandloom run --auto-approve --brief-file examples/spring_launch.md

# Shut down the embedded Redis that `make run` / the CLI leave running for each other.
stop: $(STAMP)
	$(BIN)/brandloom shutdown

cli: $(STAMP)
	$(BIN)/brandloom --help

browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }

# A real WordPress for tests/tools/connectors: PHP from Debian, WordPress files unpacked into
# ~/.cache/brandloom/wordpress (outside the clone, reused), the machine's MariaDB on :3306.
wordpress-deps:
	@bash tests/tools/connectors/wordpress/install.sh

# A real Ghost on SQLite: Node 22 and Ghost's npm tarball installed with pnpm into
# ~/.cache/brandloom/ghost (about 5 minutes and 600 MB the first time, then reused).
ghost-deps:
	@bash tests/tools/connectors/ghost/install.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two streams, one per core: the README run verbatim on fresh clones (tests/acceptance, mostly
# waiting on the local model and make) beside everything else. Each prints its own report; the
# target fails if either does. The streams share the cores, so the local model's OpenMP threads
# sleep instead of spinning (bench/local_threads.py: spinning is several times slower then).
unit: export OMP_WAIT_POLICY ?= PASSIVE
unit: $(STAMP)
	@mkdir -p test-artifacts
	@$(BIN)/pytest tests/acceptance > test-artifacts/acceptance.log 2>&1 & acceptance=$$!; \
	$(BIN)/pytest --ignore=tests/acceptance; rest=$$?; \
	wait $$acceptance; accepted=$$?; \
	echo "=== tests/acceptance (run beside the rest) ==="; cat test-artifacts/acceptance.log; \
	test $$rest -eq 0 && test $$accepted -eq 0

test: $(STAMP) browser-deps wordpress-deps ghost-deps lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .brandloom .pytest_cache .mypy_cache .ruff_cache
