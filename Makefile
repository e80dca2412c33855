# Fugong: `make run` serves the demo city on http://127.0.0.1:8000, `make test` runs the suite.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-8)
HOST   ?= 127.0.0.1:8000
# test processes (pytest-xdist, one file at a time each): this machine's two cores
TEST_WORKERS ?= 2

.PHONY: run serve test lint format bench install browser clean vendor

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# Debian's chromium (never a downloaded browser) and CJK fonts for the browser tests.
browser:
	@test -x /usr/bin/chromium && fc-list | grep -qi "noto.*cjk" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

# The vendored front-end assets (fugong/static/vendor/), fetched with npm at pinned versions.
vendor:
	deploy/vendor.sh

run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo
	@echo "serving on http://$(HOST)/  (API docs: http://$(HOST)/api/v1/docs); task queue worker started"
	$(PY) manage.py run_huey --quiet & worker=$$!; trap "kill $$worker" EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST)

# Production mode on this machine: PostgreSQL and Redis (local defaults), the Procfile's web
# (gunicorn), worker and scheduler processes; /healthz tells when all are up.
serve: export DATABASE_URL ?= postgres://root@127.0.0.1:5432/fugong
serve: export FUGONG_REDIS_URL ?= redis://127.0.0.1:6379/0
# debug pages never reach a user of `make serve`, whatever the shell or the command line says
serve: override export DEBUG = 0
serve: export FUGONG_LOG_FORMAT ?= json
serve: install
	@$(PY) -c "import os, psycopg; base, name = os.environ['DATABASE_URL'].rsplit('/', 1); \
	  c = psycopg.connect(base + '/postgres', autocommit=True); \
	  c.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone() or \
	  c.execute('CREATE DATABASE \"%s\"' % name)"
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@echo "serving on http://$(HOST)/ (health: http://$(HOST)/healthz)"
	BIND=$(HOST) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/honcho start -f Procfile

test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v0
	FUGONG_QUEUE_NAME=fugong-test $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/bench_import.py
	$(PY) bench/bench_api.py
	$(PY) bench/bench_stats.py
	$(PY) bench/bench_submit.py
	$(PY) bench/bench_workorders.py
	$(PY) bench/bench_policies.py
	$(PY) bench/bench_verify.py
	$(PY) bench/bench_health.py
	$(PY) bench/bench_load.py
	@command -v wrk >/dev/null && test -n "$$BENCH_DATABASE_URL" && $(PY) bench/bench_wrk.py || \
	  echo "bench_wrk skipped: needs wrk (apt-get install -y wrk) and BENCH_DATABASE_URL"
	$(PY) bench/bench_ratelimit.py

clean:
	rm -rf var artifacts .pytest_cache
