# The README's two commands are `make serve` and `make test`; the rest are for maintainers.
# python3.11 when installed, else python3 (3.11-3.13); `make test PYTHON=python3.12` to choose.
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data/student-semester-result.csv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint train evaluate bench bench-peers soak screenshots docker-check clean

# Stamp files: a second run reuses the venv and only reinstalls when pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime-installed

# The page's JavaScript tools (ESLint; tests run on Node's own runner), as package-lock.json pins them.
node_modules/.installed: package-lock.json
	npm ci --no-fund --no-audit
	touch $@
lint: node_modules/.installed

serve: $(VENV)/.runtime-installed
	@echo "Serving on http://$(HOST):$(PORT)  (docs: http://$(HOST):$(PORT)/docs, page: http://$(HOST):$(PORT)/)"
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	node_modules/.bin/eslint app/static tests/js eslint.config.js

test: lint
	node --test tests/js/
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-wrk.sh
	bash scripts/ensure-postgres.sh
	$(BIN)/python -m pytest

# Another institution's file: make train DATA=grades.csv OUT=my-model TRAIN_ARGS="--scale 0:4 ..."
# (`python -m training train --help` lists the data options); OUT defaults to the committed model.
OUT ?= models
TRAIN_ARGS ?=
train: $(VENV)/.dev-installed
	$(BIN)/python -m training train --data $(DATA) --out $(OUT) $(TRAIN_ARGS)

evaluate: $(VENV)/.dev-installed
	$(BIN)/python -m training evaluate --data $(DATA) --report reports/eval $(TRAIN_ARGS)

bench: $(VENV)/.dev-installed
	bash scripts/ensure-wrk.sh
	$(BIN)/python -m bench
	$(BIN)/python -m bench.recording

# Issue #18: against LitServe and KServe, each installed into its own venv under .peers/.
# Shorter: make bench-peers PEERS_ARGS="--rounds 1 --seconds 3 --warmup 2"
bench-peers: $(VENV)/.dev-installed
	bash scripts/ensure-wrk.sh
	PYTHON=$(PYTHON) bash bench/peers/install.sh
	$(BIN)/python -m bench.peers $(PEERS_ARGS)

# The long checks of tests/reliability: 60 s of mixed load and SIGTERM, model swaps under load,
# then long schema fuzzing.
soak: $(VENV)/.dev-installed
	bash scripts/ensure-wrk.sh
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.reload
	$(BIN)/python -m pytest tests/reliability/test_schema_fuzz.py --long-fuzz -q -s

screenshots: $(VENV)/.dev-installed
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-wrk.sh
	bash scripts/ensure-postgres.sh
	$(BIN)/python -m pytest tests/e2e/test_page.py -k screenshot --screenshots

# Needs a Docker engine (here: ../shared/tools/docker-up.sh starts one).
docker-check:
	bash scripts/docker-check.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache reports node_modules
