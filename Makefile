# ZoneOps: `make run` serves the demo zone, `make test` runs the whole suite. Both bootstrap first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := zoneops.settings

.PHONY: run test bootstrap migrate demo serve worker lint format check-migrations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

bootstrap: $(VENV)/.installed node_modules/.package-lock.json
	@mkdir -p var

migrate: bootstrap
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	ZONEOPS_DEMO_MODE=1 $(BIN)/python manage.py demo --if-empty

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	ZONEOPS_DEMO_MODE=1 ZONEOPS_INSECURE_HTTP=1 $(BIN)/python manage.py serve --port $(PORT)

test: bootstrap
	ZONEOPS_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: bootstrap
	ZONEOPS_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

messages: bootstrap
	cd zoneops && ../$(BIN)/django-admin makemessages -l zh_Hans -l en --ignore '*/tests/*' && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) node_modules
