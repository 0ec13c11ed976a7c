# The two commands the README promises: `make run` and `make test`. Both set up what they
# need (virtual environment, pinned packages, front-end assets) and can be run again.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Test workers (pytest-xdist): one per core by default.
TEST_WORKERS ?= auto

.PHONY: run test install assets lint format lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Attest needs Python 3.11 or newer: run make with PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/build/attest/attest.css: node_modules/.installed frontend/attest.scss frontend/build.mjs frontend/init.mjs
	npm run --silent build

install: $(VENV)/.installed

assets: frontend/build/attest/attest.css

run: install assets
	PORT=$(PORT) DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py migrate --noinput --verbosity 0
	PORT=$(PORT) DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py seed_demo
	@echo
	@echo "Attest is starting at http://127.0.0.1:$(PORT)/  (Wagtail admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Sign in with a demo login above. Stop with Ctrl+C."
	PORT=$(PORT) DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install assets
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.in
	{ echo '# Exact versions installed by `make run` and `make test`. Generated from requirements.in by `make lock`.'; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > requirements.txt

clean:
	rm -rf $(VENV) node_modules frontend/build staticfiles
