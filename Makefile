# Gongzhi: `make run` serves the demo, `make test` proves it works.
PORT ?= 8000
HOST ?= 127.0.0.1
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= gongzhi.config.settings.dev

.PHONY: run run-prod test install lint typecheck bench load fault translations messages clean lock

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==0.13.9 2>/dev/null || $(VENV)/bin/pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

install: $(VENV)/.installed

translations: install
	@$(PY) manage.py compile_translations

run: install translations
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_seed
	@HOST=$(HOST) PORT=$(PORT) scripts/run.sh

test:
	@scripts/test.sh

# Production mode on this machine: PostgreSQL + Redis on loopback, gunicorn, huey consumers.
run-prod: install translations
	@HOST=$(HOST) PORT=$(PORT) scripts/run_prod.sh

# Every benchmark in bench/, with ratios against same-run baselines: bench/results.json.
bench: install
	@scripts/bench.sh

# Capacity, then the mix at 70% of it for GONGZHI_LOAD_SECONDS (600): bench/out/load.json.
load: install translations
	@scripts/load.sh load

# The mix under load while a worker, a consumer, PostgreSQL and Redis fail: bench/out/fault.json.
fault: install translations
	@scripts/load.sh fault

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy gongzhi

# Refresh the .po files from the code (needs gettext's xgettext).
messages: install
	@scripts/makemessages.sh

lock:
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf var/static var/test-artifacts
