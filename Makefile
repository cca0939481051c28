# Two commands on a fresh clone: `make dev` runs the app, `make test` runs the tests.
# Each sets up what it needs (virtualenv, packages) by itself, and does nothing more when already set up.

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
PORT ?=

.PHONY: dev test lint bench setup clean browser-tools

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Upfront needs Python 3.11 or newer on PATH" >&2; exit 1; fi
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing Upfront and its test/dev tools into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# `make dev PORT=8001` serves on another port (every printed link and command follows it).
dev: $(STAMP)
	@$(BIN)/upfront dev $(if $(PORT),--port $(PORT))

# Browser tests drive Debian's chromium (never a browser Playwright downloads) and check the widgets with axe-core
# from the npm registry, unpacked into the virtualenv. Without them the browser tests skip, except under CI=true.
AXE_JS := $(VENV)/share/axe-core/axe.min.js

browser-tools:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; } || \
		echo "chromium is not installed and could not be installed: browser tests will skip (and fail under CI)" >&2

$(AXE_JS): | $(STAMP)
	@mkdir -p $(@D)
	@{ command -v npm >/dev/null && cd $(@D) && npm pack --silent axe-core@4 >/dev/null 2>&1 && \
		tar -xzf axe-core-*.tgz --strip-components=1 package/axe.min.js && rm -f axe-core-*.tgz; } || \
		echo "axe-core could not be fetched with npm: the accessibility test will skip (and fail under CI)" >&2

test: $(STAMP) browser-tools $(AXE_JS)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } || \
		echo "wrk is not installed and could not be installed: load figures will be skipped" >&2
	@$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
