# ZoneOps: `make run` serves the demo zone, `make test` runs the whole suite. Both bootstrap first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Two test processes: the machines (and CI) have two cores.
TEST_WORKERS ?= 2
VAR_DIR := $(or $(ZONEOPS_VAR_DIR),var)
STATIC_MANIFEST := $(VAR_DIR)/static/staticfiles.json
STATIC_SOURCES := $(shell find zoneops -path '*/static/*' -type f 2>/dev/null)
export DJANGO_SETTINGS_MODULE := zoneops.settings

.PHONY: run test bootstrap migrate demo static serve worker lint format check-migrations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	-$(BIN)/pip install --quiet --upgrade pip  # best effort: offline machines keep the bundled pip

$(VENV)/.installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

bootstrap: $(VENV)/.installed node_modules/.package-lock.json
	@mkdir -p $(VAR_DIR)

migrate: bootstrap
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	ZONEOPS_DEMO_MODE=1 $(BIN)/python manage.py demo --if-empty

# Collected (fingerprinted, compressed) static files, rebuilt only when an asset or a dependency changed:
# compressing the npm assets takes about a minute.
$(STATIC_MANIFEST): $(VENV)/.installed node_modules/.package-lock.json $(STATIC_SOURCES)
	@echo "Collecting static files (about a minute the first time) …"
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

static: bootstrap $(STATIC_MANIFEST)

run: demo static
	ZONEOPS_DEMO_MODE=1 ZONEOPS_INSECURE_HTTP=1 $(BIN)/python manage.py serve --port $(PORT)

serve: migrate static  # production-style: no demo mode, gunicorn + task worker
	$(BIN)/python manage.py serve --port $(PORT)

worker: migrate  # the background task worker alone (when the web runs elsewhere)
	$(BIN)/python manage.py db_worker

test: bootstrap
	ZONEOPS_TESTING=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: bootstrap
	ZONEOPS_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Refresh the Simplified Chinese catalogue from the code, then compile it (the .mo is committed).
messages: bootstrap
	ZONEOPS_TESTING=1 $(BIN)/python manage.py makemessages -l zh_Hans -i 'node_modules/*' -i '.venv/*' -i '*/tests/*' -i 'tests/*' -i 'var/*' -i 'benchmarks/*'
	ZONEOPS_TESTING=1 $(BIN)/python manage.py compilemessages -l zh_Hans -i node_modules -i .venv

clean:
	rm -rf $(VENV) node_modules
