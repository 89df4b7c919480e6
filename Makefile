# jupyter-mlkit: `make lab` and `make test` set up everything from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export YARN_ENABLE_IMMUTABLE_INSTALLS := 0
STAMP := $(VENV)/.installed

.PHONY: lab test install frontend lint lint-py lint-ts pytest jest ui-test chromium bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip

# The editable install runs the frontend build through the hatch-jupyter-builder hook.
$(STAMP): $(VENV)/bin/python pyproject.toml package.json yarn.lock
	$(BIN)/pip install -q -e ".[all,test,dev]"
	$(BIN)/jlpm install
	$(BIN)/jlpm build
	$(BIN)/jupyter labextension develop --overwrite .
	$(BIN)/jupyter server extension enable --sys-prefix jupyter_mlkit
	touch $(STAMP)

install: $(STAMP)

frontend: $(STAMP)
	$(BIN)/jlpm build

# Root (containers, CI machines) needs --allow-root; LAB_ARGS adds your own options.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install frontend
	cd examples && $(BIN)/jupyter lab $(LAB_ARGS)

lint-py: install
	$(BIN)/ruff check jupyter_mlkit tests benchmarks examples ui-tests/jupyter_server_test_config.py
	$(BIN)/ruff format --check jupyter_mlkit tests benchmarks examples

lint-ts: install
	$(BIN)/jlpm lint:check

lint: lint-py lint-ts

pytest: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

jest: install
	$(BIN)/jlpm test --ci

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

ui-tests/node_modules: ui-tests/package.json ui-tests/yarn.lock
	cd ui-tests && $(BIN)/jlpm install
	touch ui-tests/node_modules

ui-test: install frontend chromium ui-tests/node_modules
	cd ui-tests && $(BIN)/jlpm playwright test

test: install frontend lint pytest jest ui-test

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) node_modules ui-tests/node_modules lib jupyter_mlkit/labextension tsconfig.tsbuildinfo
