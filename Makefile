# One command to run, one to test. Both set everything up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
SCALE ?= pilot
BENCH_PG ?=
# Test processes (pytest-xdist): one per core; a test module stays in one process (its app server).
TEST_WORKERS ?= 2

.PHONY: run test bench clean

$(VENV)/.runtime: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt constraints.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# Demo data and accounts go only into the default data/pilot.duckdb (and never with
# PILOT_DEMO_MODE=0): `make run` with PILOT_DB set elsewhere creates or updates that database alone.
run: $(VENV)/.runtime
	$(PY) -m pilot init --demo-if-default
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

tests/a11y/node_modules/axe-core/axe.min.js: tests/a11y/package.json tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --silent

test: $(VENV)/.dev tests/a11y/node_modules/axe-core/axe.min.js
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(VENV)/.dev
	$(PY) -m pilot bench --scale $(SCALE) $(if $(BENCH_PG),--pg '$(BENCH_PG)')

clean:
	rm -rf $(VENV) .pytest_cache
