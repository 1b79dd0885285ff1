# One entry point for setting up, demoing and testing Chimera on a fresh machine.
#   make demo   - create .venv, install everything, run both agents on the sample tree
#   make test   - create .venv, install everything, run the test suite
#   make check  - lint, type-check and test (what CI runs)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# llama-cpp-python compiles llama.cpp from source. Skipping the multimodal (mtmd)
# library and building with every core cuts the build from ~9 to ~3 minutes on 2 cores.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DLLAMA_BUILD_MTMD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

SAMPLES := samples/artifacts
DEMO_OUT := chimera-runs/demo

.PHONY: setup demo test check lint typecheck samples system-deps clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Headless Chromium renders the HTML report in the tests; installed from Debian
# packages when missing (needs root, as on CI), otherwise that test skips.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium not installed: the HTML rendering test will be skipped"; \
	  fi; \
	fi

demo: $(STAMP)
	$(BIN)/chimera run $(SAMPLES) --out $(DEMO_OUT) --no-progress

test: $(STAMP) system-deps
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

# Regenerates the sample artifact tree by measuring the embedded model.
samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py --out $(SAMPLES)

clean:
	rm -rf $(VENV) chimera-runs .pytest_cache .ruff_cache .mypy_cache
