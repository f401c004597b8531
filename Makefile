# Two commands for a new user: `make run` (the explorer app, `crlso app`, on the default NB201
# data, at http://127.0.0.1:8501) and `make test` (the linter, then the whole suite with a
# real-browser test). Both create .venv and install when it is missing; `make test` also
# installs the test tools (requirements-dev.txt) and Debian's chromium when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run demo test lint install chromium clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/crlso app

demo: $(STAMP)  # one CR-LSO run from the command line, no app
	$(VENV)/bin/crlso run --space nb201 --dataset cifar10 --preset demo --seed 0

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser test"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; }

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

test: lint chromium
	$(PY) -m pytest

clean:
	rm -rf $(VENV) runs build .pytest_cache
