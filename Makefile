# The two commands of the quick start: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
BDC := $(BIN)/bdc
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true
export GX_ANALYTICS_ENABLED := false

.PHONY: run test setup lint hooks unit integration bench clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch node_modules/.installed

setup: ## The virtualenv with the pinned dependencies, Debian packages, npm packages
	@bash scripts/system-packages.sh
	@$(MAKE) --no-print-directory $(STAMP) node_modules/.installed
	@$(BIN)/python -m webapp.officer.stylesheet

run: setup ## Set everything up, build everything on the demo data, say where the outputs are
	$(BDC) db start
	$(BDC) demo
	$(BDC) run

test: setup lint ## Every test, against a real PostgreSQL
	$(BIN)/pytest

# The pre-commit hooks (.pre-commit-config.yaml), on every file in git: ruff, ruff format, the
# registers of config/ (`bdc config check`, `bdc config schemas --check`), and sqlfluff on the
# dbt models, whose dbt templater needs a database (`bdc lint-sql` starts a
# throwaway PostgreSQL). Without pre-commit or outside a git checkout, the same commands.
lint: setup ## ruff, ruff format, config/ and sqlfluff: the pre-commit hooks on every file
	@if [ -x $(BIN)/pre-commit ] && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		echo "$(BIN)/pre-commit run --all-files"; \
		$(BIN)/pre-commit run --all-files; \
	else \
		echo "$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BDC) config check && $(BDC) config schemas --check && $(BDC) lint-sql"; \
		$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BDC) config check \
			&& $(BDC) config schemas --check && $(BDC) lint-sql; \
	fi

hooks: setup ## Run the pre-commit hooks before every commit (installs .git/hooks/pre-commit)
	$(BIN)/pre-commit install

bench: setup ## Benchmarks at scales 1 and 10 (not part of make test)
	$(BDC) bench

clean:
	rm -rf build dbt_project/target dbt_project/logs .dagster_home
