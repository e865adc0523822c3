# Two commands for everyone: `make run` (demo site) and `make test` (whole suite).
# Only python3 and make are needed; everything else is installed into .venv from the lock file.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cesiq_site.settings.dev
# uv installs without compiling to bytecode (pip compiles everything, 20 s of CPU here), so
# Python compiles each module the first time it is imported and keeps it in __pycache__ (git
# and Docker ignore those). Where PYTHONDONTWRITEBYTECODE is set (as on these machines), it
# would compile the same ~2,000 modules again at every start: 7 s of CPU per command instead
# of 3. The project's commands keep their bytecode.
unexport PYTHONDONTWRITEBYTECODE
# pip's own wheel, bundled with Python: it installs uv without first installing pip into the
# new .venv (`python -m venv` with pip takes 5 s of CPU, half a minute on a busy machine).
PIP_WHEEL := $(shell $(PYTHON) -c "import ensurepip, pathlib; print(next(pathlib.Path(ensurepip.__file__).parent.glob('_bundled/pip-*.whl'), 'none'))" 2>/dev/null || echo none)

.PHONY: run test install lint format messages makemessages worker beat migrate seed check clean screenshots

# uv (itself pinned by hash in requirements-uv.lock) installs the same hashed lock several
# times faster than pip; pip does it if uv cannot be installed or fails.
$(STAMP): requirements-dev.lock requirements-uv.lock
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	( $(PY) $(PIP_WHEEL)/pip install --quiet --no-compile --require-hashes -r requirements-uv.lock \
	  && $(VENV)/bin/uv pip install --quiet --python $(PY) --require-hashes -r requirements-dev.lock ) \
	|| ( $(PY) -m ensurepip --default-pip \
	     && $(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock )
	touch $(STAMP)

install: $(STAMP)

# Compiled only when a catalogue changed (no Python start otherwise). The French .mo borrows
# the plural messages of every other catalogue, hence all .po files as prerequisites.
LOCALE_PO := $(wildcard cesiq_site/locale/*/LC_MESSAGES/*.po cesiq_site/locale_admin/*/LC_MESSAGES/*.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)
messages: $(LOCALE_MO)

# One run compiles what changed; every .mo is then marked as up to date with every .po (the
# command skips a catalogue whose .po did not change, and make compares each .mo to all .po).
$(LOCALE_MO): $(LOCALE_PO) | $(STAMP)
	$(PY) -m cesiq_site.catalogues
	touch $(LOCALE_MO)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Migrates and seeds first, in the server's own process and only if needed (rundemo --prepare):
# a second `make run` serves at once. `make seed` re-seeds unconditionally.
run: messages
	@echo ""
	@echo "  CÉSIQ (démo) — http://$(HOST):$(PORT)/      français"
	@echo "                 http://$(HOST):$(PORT)/en/   English"
	@echo "                 http://$(HOST):$(PORT)/admin/   admin / changeme (démo seulement)"
	@echo "                 équipes : redaction, billetterie, boutique, administration / changeme"
	@echo "                 http://$(HOST):$(PORT)/healthz"
	@echo "  Paiements : MODE DÉMO — aucun paiement réel. Courriels : var/mail/"
	@echo "  Faux Stripe : son adresse s'affiche ci-dessous (sessions, remboursement échoué, litige)"
	@echo ""
	$(PY) manage.py rundemo --prepare $(HOST):$(PORT)

# Two pytest-xdist processes share the suite (one per core here), each with its own test
# database and Redis databases (cesiq_site/settings/test.py). TEST_WORKERS=0 runs it in one.
# --dist loadgroup hands each test out alone to whichever process is free (no test groups:
# with pytest 9.2, pytest-xdist 3.8's group suffix no longer reaches the node ids, so no test
# may count on another running before it in the same process).
TEST_WORKERS ?= 2
test: messages
	DJANGO_SETTINGS_MODULE=cesiq_site.settings.test $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Every kind of page, FR/EN, at 390 and 1366 px, from the demo database (needs Chromium).
screenshots: messages seed
	$(PY) manage.py screenshots

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

makemessages: $(STAMP)
	$(PY) manage.py makemessages -l fr -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l fr -l en --ignore=.venv --ignore=var --no-obsolete

check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Background work. With REDIS_URL set (for example redis://127.0.0.1:6379), tasks go to Redis.
worker: $(STAMP)
	$(VENV)/bin/celery -A cesiq_site worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A cesiq_site beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
