# KotaHub: `make run` serves the hub, `make test` runs the suite. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.installed-bench
ASSETS := kotahub/hub/static/graphiql/manifest.json
# The federation composition library the tests compose the hub's subgraph SDL with.
COMPOSITION := federation/node_modules/.kotahub-installed

.PHONY: run demo-sources test lint check bench bench-search assets clean

run: $(INSTALLED) $(ASSETS)
	$(BIN)/kotahub serve

demo-sources: $(INSTALLED)
	$(BIN)/kotahub demo-sources

test: $(INSTALLED) $(ASSETS) $(COMPOSITION)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check kotahub tests scripts bench docs
	$(BIN)/ruff format --check kotahub tests scripts bench docs
	$(BIN)/mypy

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench.run

bench-search: $(INSTALLED)
	$(BIN)/python -m bench.search_scale

check: lint test

assets: $(ASSETS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "KotaHub needs Python 3.11 or newer; set PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(BENCH_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

$(ASSETS): graphiql/package.json graphiql/package-lock.json scripts/install_graphiql_assets.py scripts/node_tools.py | $(INSTALLED)
	$(BIN)/python scripts/install_graphiql_assets.py

$(COMPOSITION): federation/package.json federation/package-lock.json scripts/install_federation_composition.py scripts/node_tools.py | $(INSTALLED)
	$(BIN)/python scripts/install_federation_composition.py

clean:
	rm -rf $(VENV) graphiql/node_modules federation/node_modules kotahub/hub/static/graphiql .pytest_cache .mypy_cache .ruff_cache
