# Two set-up commands for a newcomer: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
GINZA_WHEEL := build/wheels/ja_ginza-5.3.0-py3-none-any.whl
MODEL_DIR := models/ja-ginza-sif
MODEL := $(MODEL_DIR)/model.safetensors
ARTIFACT := var/artifacts/current
JMDICT := models/jmdict/jmdict.sqlite
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.DEFAULT_GOAL := help
.PHONY: help install model build run test eval bench clean lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -d $(VENV) || $(PY_SYS) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .  # the `jaterm` command (same as python -m kg)
	touch $@

install: $(STAMP) ## create the virtualenv with the pinned stack

$(GINZA_WHEEL): build/ja-ginza.lock | $(STAMP)
	$(PIP) download -q --no-deps --require-hashes -r build/ja-ginza.lock -d build/wheels

$(MODEL): $(GINZA_WHEEL) tools/build_ja_static.py | $(STAMP)
	$(PY) tools/build_ja_static.py --wheel $(GINZA_WHEEL) $(MODEL_DIR)
	chmod -R a+rX $(MODEL_DIR)

# JMdict (EDRDG, CC BY-SA 4.0) from the pinned jamdict-data package, compiled once to an indexed file.
$(JMDICT): ingest/jmdict.py | $(STAMP)
	$(PY) -m ingest.jmdict build
	chmod a+r $(JMDICT)

model: $(MODEL) $(JMDICT) ## build the offline Japanese embedding model from the ja-ginza wheel's vectors

$(ARTIFACT)/manifest.json: $(MODEL) $(JMDICT) $(wildcard data/corpus/*) $(wildcard ingest/*.py ontology/* search/*.py kg/*.py)
	$(PY) -m kg build

build: $(ARTIFACT)/manifest.json ## ingest the bundled corpus into a served artifact

run: build ## install, build and serve on http://127.0.0.1:5000 (Ctrl-C stops)
	$(PY) -m kg serve

lint: $(STAMP) ## ruff (lint + import order), mypy, and the import-layers contract (import-linter)
	$(VENV)/bin/ruff check ontology ingest search kg tests tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(MODEL) $(JMDICT) lint ## install, lint (make lint), and run the whole test suite (installs Chromium for the browser tests)
	bash tools/install_browser.sh
	$(PY) -m pytest

eval: $(MODEL) $(JMDICT) ## extraction and search quality against the hand-annotated gold
	$(PY) -m kg eval extract
	$(PY) -m kg eval headwords
	$(PY) -m kg eval search

bench: build ## speed benchmarks as ratios against raw pyoxigraph, faiss and fugashi
	$(PY) -m kg bench
	$(PY) -m kg bench-sparql
	$(PY) -m kg bench-ingest  # kg build of generated 5k-50k-entry glossaries (CSV, headword lines): time, peak memory

clean: ## remove built artifacts (keeps the virtualenv and the model)
	rm -rf var test-artifacts
