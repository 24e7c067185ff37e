# CQMS developer commands. `make run` and `make test` are all a newcomer needs (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
BIND ?= 127.0.0.1:8000

.PHONY: run test setup assets messages makemessages demo lint fmt bench lock prerequisites

run: export CQMS_BIND = $(BIND)
run: setup
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py demo --if-empty
	@echo ""
	@echo "  CQMS is starting at http://$(BIND)/  (web server and job worker; stop with Ctrl+C)"
	@echo ""
	$(BIN)/honcho start --no-prefix -f Procfile

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

setup: prerequisites $(VENV)/.installed assets messages

prerequisites:
	@command -v $(PYTHON) >/dev/null || { echo "CQMS needs Python 3.11 or newer ($(PYTHON))."; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "CQMS needs Python's venv module (apt install python3-venv)."; exit 1; }
	@command -v npm >/dev/null || { echo "CQMS needs Node.js with npm to install its front-end files (apt install nodejs npm)."; exit 1; }
	@command -v msgfmt >/dev/null || { echo "CQMS needs GNU gettext to compile its translations (apt install gettext)."; exit 1; }
	@$(PYTHON) -c 'import ctypes.util as u, sys; sys.exit(not u.find_library("pangoft2-1.0"))' \
	  || { echo "CQMS needs Pango to draw PDF reports (apt install libpango-1.0-0 libpangoft2-1.0-0)."; exit 1; }
	@$(PYTHON) -c 'import ctypes.util as u, sys; sys.exit(not u.find_library("harfbuzz-subset"))' \
	  || { echo "CQMS needs HarfBuzz's subsetter to embed fonts in PDF reports quickly (apt install libharfbuzz-subset0)."; exit 1; }
	@{ fc-list :lang=zh family 2>/dev/null; find /usr/share/fonts /usr/local/share/fonts -iname '*cjk*' 2>/dev/null; } | grep -q . \
	  || { echo "CQMS needs a Chinese font for PDF reports (apt install fonts-noto-cjk)."; exit 1; }

# The lock is installed as it stands, without resolving anything (--no-deps): a new upstream
# release cannot change or break it. pip check then proves the lock is complete (ADR 0001).
$(VENV)/.installed: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --require-hashes -r requirements/dev.txt
	$(BIN)/pip check --disable-pip-version-check
	@touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json $(VENV)/.installed
	$(PY) manage.py vendor_assets -v0

messages: $(VENV)/.installed
	cd cqms && ../$(PY) ../manage.py compilemessages -v0

makemessages: $(VENV)/.installed
	cd cqms && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore 'static/*' -v0

demo: setup
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v0

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate both lock files after changing pyproject.toml (keeps other pins; add --upgrade to move them).
lock: $(VENV)/.installed
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/base.txt $(LOCK_ARGS)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements/dev.txt $(LOCK_ARGS)

bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)
