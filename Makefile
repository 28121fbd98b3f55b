# walkapp: `make run` serves the demo, `make test` runs every test on SpatiaLite and PostGIS.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app walkapp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the app needs to run, and the extra ones its tests need.
RUN_DEBS := python3 python3-venv libsqlite3-mod-spatialite fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := postgresql postgresql-15-postgis-3 chromium libimage-exiftool-perl poppler-utils

.PHONY: run test bench setup system-run system-test venv assets translations db demo postgis lint clean

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
endef

system-run:
	$(call apt_ensure,$(RUN_DEBS))
	@# Node may come from Debian or from elsewhere (e.g. NodeSource, which bundles npm).
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nodejs npm; }

system-test: system-run
	$(call apt_ensure,$(TEST_DEBS))

# The venv uses Debian's python3: its sqlite3 module can load SpatiaLite.
$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || /usr/bin/python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: system-run $(VENV)/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/leaflet-draw static/vendor/htmx
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images static/vendor/leaflet/
	cp -r node_modules/leaflet-draw/dist/leaflet.draw.js node_modules/leaflet-draw/dist/leaflet.draw.css node_modules/leaflet-draw/dist/images static/vendor/leaflet-draw/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	mkdir -p static/vendor/exifr && cp node_modules/exifr/dist/full.umd.js static/vendor/exifr/
	@touch $@

assets: static/vendor/.installed

translations: venv
	@$(VENV)/bin/pybabel compile --statistics -d walkapp/translations

setup: venv assets translations

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed-demo --if-empty

run: demo
	@$(FLASK) demo-logins
	WALKAPP_DEVELOPMENT=1 $(VENV)/bin/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:5000 --access-logfile - 'walkapp:create_app()'

postgis: system-test
	@$(PY) tests/pg_setup.py

test: system-test setup postgis
	$(VENV)/bin/ruff check walkapp tests
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: system-test setup postgis
	$(PY) -m tests.bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check walkapp tests
	$(VENV)/bin/ruff format --check walkapp tests

clean:
	rm -rf $(VENV) node_modules static/vendor
