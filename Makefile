# fieldapp: `make run` serves the app with demo data; `make test` runs every test.
# Both install what they need first and are quick the second time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
MO := fieldapp/translations/vi/LC_MESSAGES/messages.mo
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
APP_JS := $(wildcard static/js/*.js)
FONT_PACKAGE := node_modules/@expo-google-fonts/be-vietnam-pro
FONTS := static/vendor/fonts/be-vietnam-pro
# The letter's serif face (issue 14): Tinos, metric-compatible with Times New Roman.
LETTER_FONT_PACKAGE := node_modules/@expo-google-fonts/tinos
LETTER_FONTS := static/vendor/fonts/tinos

.PHONY: run serve test lint install install-test system-packages messages lock audit

# The development server, and beside it a job consumer (poster batches) on the SQLite queue
# in instance/: stopped with the server (Ctrl-C), so nothing else needs to run.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) jobs-worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# A production server: gunicorn with deploy/gunicorn.conf.py (GUNICORN_BIND, default
# 127.0.0.1:8000; GUNICORN_WORKERS, GUNICORN_THREADS), after migrating the database. It needs
# SECRET_KEY and DATABASE_URL in the environment (FIELDAPP_ENV=production unless set
# otherwise); README, "Running it for a province".
serve: export FIELDAPP_ENV ?= production
serve: install
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

# The whole suite on SQLite, then again on a PostgreSQL server the run starts itself
# (tests/conftest.py); the browser tests and the production topology (which starts its own
# PostgreSQL) run once.
test: install-test lint audit
	$(PY) -m pytest tests
	FIELDAPP_TEST_DATABASE=postgresql $(PY) -m pytest tests --ignore=tests/browser -m "not topology"

# Known vulnerabilities in the locked packages; `make test` runs it. pip-audit reads PyPI's
# vulnerability data: where that cannot be reached, it says so, never passing silently.
VULNERABILITY_DATA := https://pypi.org/pypi/flask/3.1.3/json
audit: $(VENV)/.installed-test
	@if $(PY) -c "import urllib.request; urllib.request.urlopen('$(VULNERABILITY_DATA)', timeout=10)" 2>/dev/null; then \
	  $(VENV)/bin/pip-audit --disable-pip --no-deps --strict --progress-spinner off \
	    -r requirements.txt -r tests/requirements.txt; \
	else \
	  echo "pip-audit NOT RUN: PyPI's vulnerability data ($(VULNERABILITY_DATA)) cannot be reached from this machine; run 'make audit' where it can."; \
	fi

# Lint and format check (settings in pyproject.toml); `make test` runs it first.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

install: $(VENV)/.installed static/vendor/htmx.min.js static/vendor/leaflet/leaflet.js \
	$(FONTS)/.copied $(LETTER_FONTS)/.copied static/build/js/.built $(MO)

install-test: install $(VENV)/.installed-test system-packages

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-test: tests/requirements.txt $(VENV)/.installed
	$(PIP) --require-hashes -r tests/requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/leaflet/leaflet.js: node_modules/.package-lock.json
	mkdir -p static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images static/vendor/leaflet/

# The poster fonts (the two weights posters and PDFs use, and their licence), read by
# the app from here (POSTER_FONT_DIR), not from node_modules.
$(FONTS)/.copied: node_modules/.package-lock.json
	mkdir -p $(FONTS)/400Regular $(FONTS)/700Bold
	cp $(FONT_PACKAGE)/400Regular/BeVietnamPro_400Regular.ttf $(FONTS)/400Regular/
	cp $(FONT_PACKAGE)/700Bold/BeVietnamPro_700Bold.ttf $(FONTS)/700Bold/
	cp $(FONT_PACKAGE)/LICENSE_FONT $(FONTS)/
	touch $@

# The letter's font, four styles (regular, italic, bold, bold italic), read from here
# (LETTER_FONT_DIR).
$(LETTER_FONTS)/.copied: node_modules/.package-lock.json
	mkdir -p $(LETTER_FONTS)
	cp $(LETTER_FONT_PACKAGE)/400Regular/Tinos_400Regular.ttf $(LETTER_FONT_PACKAGE)/400Regular_Italic/Tinos_400Regular_Italic.ttf \
	  $(LETTER_FONT_PACKAGE)/700Bold/Tinos_700Bold.ttf $(LETTER_FONT_PACKAGE)/700Bold_Italic/Tinos_700Bold_Italic.ttf \
	  $(LETTER_FONT_PACKAGE)/LICENSE_FONT $(LETTER_FONTS)/
	touch $@

# The app's own scripts, minified; static/js/ keeps the readable sources, and
# fieldapp/assets.py serves these copies in their place. The target keeps the minifier
# from writing newer syntax (e.g. ||=) than the inspectors' older phones understand.
static/build/js/.built: $(APP_JS) node_modules/.package-lock.json
	rm -rf static/build/js
	node_modules/.bin/esbuild $(APP_JS) --minify --target=es2017 --outdir=static/build/js \
	  --log-level=warning
	touch $@

$(MO): fieldapp/translations/vi/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d fieldapp/translations

# The tests start real servers from Debian's packages: Chromium for the browser tests,
# PostgreSQL for the second run of the suite, and Redis and nginx for the production
# topology. Each is installed when missing and we may (as root); `make run` needs none.
SYSTEM_PACKAGES := chromium:chromium postgresql:/usr/lib/postgresql redis-server:redis-server \
	nginx:/usr/sbin/nginx openssl:openssl
system-packages:
	@missing=""; for entry in $(SYSTEM_PACKAGES); do \
	  package=$${entry%%:*}; probe=$${entry#*:}; \
	  if ! command -v $$probe >/dev/null 2>&1 && [ ! -e $$probe ]; then missing="$$missing $$package"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing. Run 'sudo apt-get install$$missing' once, then 'make test'." >&2; exit 1; \
	  fi; \
	fi

# For developers: collect new strings and merge them into the Vietnamese catalogue.
messages: install
	$(VENV)/bin/pybabel extract --ignore-dirs=".* node_modules" -F fieldapp/babel.cfg -k _l -o fieldapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -i fieldapp/translations/messages.pot -d fieldapp/translations

# For developers: after editing requirements.in or tests/requirements.in, pin every package
# (transitive ones too) with its hashes. Versions already locked are kept unless the .in
# files ask otherwise; `make lock UPGRADE=--upgrade` takes the newest allowed.
LOCK := env -u UV_EXTRA_INDEX_URL -u UV_FIND_LINKS -u UV_INDEX UV_NO_CONFIG=1 \
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--index-url https://pypi.org/simple --custom-compile-command "make lock" $(UPGRADE)
lock: $(VENV)/.installed-test
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) tests/requirements.in -o tests/requirements.txt
