# The two commands: `make run` (the product, with demo data) and `make test` (every test).
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help uv install messages preflight run _run test _test test-embedded checks lint browser-deps bench bench-http clean

# Python 3.12+: the first python3.13 / python3.12 on PATH that really runs, else the
# pyenv interpreter of this project's machines. Override with `make PYTHON=/path/python`.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13.0/bin/python $$HOME/.pyenv/versions/3.12.1/bin/python; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
BOOT_PYTHON ?= python3
UV := $(BOOT_PYTHON) -m uv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
MANAGE := $(VENV)/bin/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

help:
	@echo "make run    - install, create and migrate the database, load demo data, start web + workers + beat"
	@echo "make test   - install and run every check and test"
	@echo "make test-embedded - every test on PostgreSQL 18 and Valkey from wheels"
	@echo "make bench  - benchmarks (see bench/README.md)"
	@echo "make bench-http - the queue over HTTP with gunicorn and wrk, process starts"

uv:
	@test -n "$(PYTHON)" || { echo "Python 3.12+ not found: install it or pass PYTHON=/path/to/python3.12"; exit 1; }
	@$(UV) --version >/dev/null 2>&1 || $(BOOT_PYTHON) -m pip install --quiet uv || $(BOOT_PYTHON) -m pip install --quiet --user uv

# Bytecode compiled at install (the packages by uv, the project by compileall): where
# PYTHONDONTWRITEBYTECODE is set, nothing is ever cached and every process would compile
# its ~4,000 modules again when it starts (2-3 s instead of ~1 s).
install: uv
	$(UV) sync --locked --quiet --compile-bytecode
	@$(VENV)/bin/python -m compileall -q -j0 -x '/(\.venv|\.local|node_modules|\.git)/' .
	@$(MAKE) --no-print-directory messages

messages:
	@$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

preflight: install
	@$(MANAGE) preflight

# PostgreSQL and Redis: DATABASE_URL / REDIS_URL, else the system ones on 5432 / 6379,
# else servers from wheels (scripts/local_services.py), stopped again at the end.
run: install
	@$(VENV)/bin/python scripts/local_services.py run -- $(MAKE) --no-print-directory _run

_run: preflight
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) seed_category_departments
	$(MANAGE) seed_demo_complaints
	$(MANAGE) seed_demo_repairs
	$(MANAGE) seed_demo_requests
	@echo ""
	@echo "  Service desk:  http://$(HOST):$(PORT)/      admin: http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins (password demo-pass-2026 for all):"
	@echo "    clerk (前台接待员)  duty (监控室值班员)  eng_head (工程部主管)  tech, tech2 (维修员)"
	@echo "    supervisor (客服主管)  director (管理处主任)  gm (公司总经理)  clerk_jr (second estate)"
	@echo "    admin (manager, Django admin)"
	@echo "    head_<kind> / head_<kind>_jr: the head (部门主管) of every other department"
	@echo "  Ctrl-C stops web, both workers and beat."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker --loglevel=INFO --without-mingle --without-gossip --concurrency=2 -Q celery -n general@%h & \
	$(VENV)/bin/celery -A config worker --loglevel=INFO --without-mingle --without-gossip --concurrency=1 -Q deadlines -n deadlines@%h & \
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule & \
	DATABASE_STATEMENT_TIMEOUT_MS=$${DATABASE_STATEMENT_TIMEOUT_MS:-5000} $(MANAGE) runserver $(HOST):$(PORT)

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi wqy; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium and a CJK font for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null; \
		else \
			echo "Browser tests need /usr/bin/chromium: sudo apt-get install chromium fonts-wqy-microhei"; exit 1; \
		fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

checks: install
	@$(MANAGE) preflight
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY=ci-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') \
	DJANGO_ALLOWED_HOSTS=desk.example.com \
	$(MANAGE) check --deploy --fail-level WARNING

test: install browser-deps
	@$(VENV)/bin/python scripts/local_services.py test -- $(MAKE) --no-print-directory _test

_test: lint checks
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The whole suite on the servers from wheels (PostgreSQL 18, Valkey 9), whatever runs here.
test-embedded:
	SERVICEDESK_EMBEDDED=1 $(MAKE) --no-print-directory test

bench: install
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

# The queue over HTTP (gunicorn as production runs it, wrk), after `make bench` seeded.
# Served from the production environment (no development packages, as the image installs
# it: `uv sync --no-dev`); the benchmark itself drives it from the development one.
PROD_VENV := .venv-prod
bench-http: install
	UV_PROJECT_ENVIRONMENT=$(PROD_VENV) $(UV) sync --locked --no-dev --quiet --compile-bytecode
	$(VENV)/bin/python -m bench.http --python $(PROD_VENV)/bin/python $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(PROD_VENV) staticfiles .local
