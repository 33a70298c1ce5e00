# KotaHub: `make run` serves the hub, `make test` runs the suite. Both set everything up first.
# Python packages come from uv.lock (every version pinned, every file's hash checked), installed
# by uv, which itself is pinned with its hashes in scripts/uv-requirements.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BOOTSTRAP ?= .bootstrap
UV := $(BOOTSTRAP)/bin/uv
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.installed-bench
ASSETS := kotahub/hub/pages/static/graphiql/manifest.json
# Klik Balikpapan, the reference portal the hub serves at /portal/ (portal/, built, never committed).
PORTAL := kotahub/hub/pages/static/portal/manifest.json
# Every file and folder (a folder changes when a file is added or removed) of its sources.
PORTAL_SOURCES := $(shell find portal/src portal/operations 2>/dev/null)
# The federation composition library the tests compose the hub's subgraph SDL with.
COMPOSITION := federation/node_modules/.kotahub-installed
# uv uses the Python named above and never downloads one of its own.
export UV_PYTHON_DOWNLOADS := never
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --python $(PYTHON) --no-default-groups
# Parallel workers for the suite: two a core, as most tests spend much of their time waiting
# on sockets and other processes (make test WORKERS=1 runs it in one process).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
# Which tests, by marker: unit, integration, system (make test MARKS="not system").
MARKS ?=
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

.PHONY: run demo-sources test test-fast lint check bench bench-search bench-live docs assets portal lock upgrade clean

# Partner adapters to serve with, installed beside the locked packages at every start
# (make run PLUGINS="kotahub-parks ./path/to/an/adapter"); they are outside uv.lock.
PLUGINS ?=

run: $(INSTALLED) $(ASSETS) $(PORTAL)
	$(if $(PLUGINS),$(UV) pip install --quiet --python $(BIN)/python $(PLUGINS))
	$(BIN)/kotahub serve

demo-sources: $(INSTALLED)
	$(BIN)/kotahub demo-sources

test: $(INSTALLED) $(ASSETS) $(PORTAL) $(COMPOSITION)
	$(PYTEST) $(if $(MARKS),-m "$(MARKS)")

# The unit tests alone: everything in process, no Redis, no sockets; well under a minute.
test-fast: $(INSTALLED) $(ASSETS) $(PORTAL)
	$(PYTEST) -m unit

lint: $(INSTALLED)
	$(BIN)/ruff check kotahub tests scripts bench docs
	$(BIN)/ruff format --check kotahub tests scripts bench docs
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: $(BENCH_INSTALLED)
	$(BIN)/python -m bench.run

bench-search: $(INSTALLED)
	$(BIN)/python -m bench.search_scale

# Live updates alone (make bench ends with it): 1,000 followers of one complaint, two replicas.
bench-live: $(BENCH_INSTALLED)
	$(BIN)/python -m bench.subscribers

# The documentation site (mkdocs.yml, docs/) into site/, offline; --strict fails on a broken link.
# NO_MKDOCS_2_WARNING silences mkdocs-material's banner about its successor, which is no build warning.
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

check: lint test

assets: $(ASSETS)

portal: $(PORTAL)

$(UV): scripts/uv-requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "KotaHub needs Python 3.11 or newer; set PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	rm -rf $(BOOTSTRAP)
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r scripts/uv-requirements.txt
	touch $@

$(INSTALLED): pyproject.toml uv.lock $(UV)
	$(SYNC) --group dev --group assets --group docs
	rm -f $(BENCH_INSTALLED)
	touch $@

$(BENCH_INSTALLED): pyproject.toml uv.lock $(UV)
	$(SYNC) --group dev --group assets --group docs --group bench
	touch $(INSTALLED) $@

# uv.lock again after pyproject.toml's dependencies changed, keeping every other pin.
lock: $(UV)
	$(UV) lock --python $(PYTHON)

# The newest versions pyproject.toml allows, for uv itself and for everything in uv.lock.
upgrade: $(UV)
	$(UV) pip compile --quiet --universal --generate-hashes --upgrade --python-version 3.11 \
		scripts/uv-requirements.in -o scripts/uv-requirements.txt
	$(UV) lock --upgrade --python $(PYTHON)

$(ASSETS): graphiql/package.json graphiql/package-lock.json scripts/install_graphiql_assets.py scripts/node_tools.py | $(INSTALLED)
	$(BIN)/python scripts/install_graphiql_assets.py

$(PORTAL): portal/package.json portal/package-lock.json $(PORTAL_SOURCES) scripts/install_portal_assets.py scripts/node_tools.py | $(INSTALLED)
	$(BIN)/python scripts/install_portal_assets.py

$(COMPOSITION): federation/package.json federation/package-lock.json scripts/install_federation_composition.py scripts/node_tools.py | $(INSTALLED)
	$(BIN)/python scripts/install_federation_composition.py

clean:
	rm -rf $(VENV) $(BOOTSTRAP) graphiql/node_modules federation/node_modules portal/node_modules kotahub/hub/pages/static/graphiql kotahub/hub/pages/static/portal site .pytest_cache .mypy_cache .ruff_cache
