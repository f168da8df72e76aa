# Two commands that work on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development: plain HTTP, debug pages, SQLite, in-memory channel layer, offline model.
# The hosts are set here too, so a .env copied from .env.example (production hosts) still serves locally.
DEV_ENV := DEBUG=true ALLOWED_HOSTS=127.0.0.1,localhost,[::1],$(HOST) SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false \
	SECURE_HSTS_SECONDS=0 SECURE_PROXY_SSL_HEADER=false AGENT_MODEL=$${AGENT_MODEL:-local}
# App limit on chat text is 4000 characters; daphne refuses anything far larger before it reaches us.
DAPHNE_FLAGS := --websocket-max-message-size 65536 --websocket-max-frame-size 65536 --application-close-timeout 5

.PHONY: run serve test install install-dev lint-imports migrate bench clean

# Two install stamps: a server needs only requirements.txt; tests and checks add requirements-dev.txt.
$(BIN)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

run: migrate
	@echo ""
	@echo "  Todo agent is starting at http://$(HOST):$(PORT)/  (sign up there; Ctrl+C stops it)"
	@echo ""
	$(DEV_ENV) $(BIN)/daphne -b $(HOST) -p $(PORT) $(DAPHNE_FLAGS) todo_project.asgi:application

# Production (README "Deployment"): WORKERS uvicorn processes on one port, each the whole app
# (HTTP, websockets, /mcp). Settings come from the environment: SECRET_KEY, DATABASE_URL, and
# REDIS_URL, which several workers need to share the channel layer and the cache.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
serve: install
	$(BIN)/uvicorn todo_project.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS) \
		--loop uvloop --http httptools --lifespan off --ws-max-size 65536 --timeout-graceful-shutdown 5 --no-access-log

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint-imports: install-dev
	$(BIN)/lint-imports

bench: install-dev
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
