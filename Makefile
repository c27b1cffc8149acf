# rt: every target sets itself up; a fresh Debian machine needs only python3, pip and apt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo lint test bench fuzz soak clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/system-packages.sh
	PYTHON=$(PYTHON) bash scripts/system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The emulator stands in for the service: `rt text` and `rt talk` on a WAV file, no key needed.
demo: setup
	bash scripts/demo.sh

lint: setup
	$(BIN)/ruff check realtime_cli tests benchmarks fuzz scripts
	$(BIN)/ruff format --check realtime_cli tests benchmarks fuzz scripts
	$(BIN)/mypy

test: lint
	PYTHON=$(PYTHON) bash scripts/system-packages.sh --test
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m benchmarks

# Not part of `make test`: 100,000 inputs per target take a few minutes.
fuzz: setup
	$(BIN)/python -m fuzz --examples 100000

# Not part of `make test`: a 10-minute conversation at real-time pacing (10 minutes).
soak: setup
	$(BIN)/python -m benchmarks.soak --minutes 10

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis bench-results demo-output
