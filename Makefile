# Two commands for a new user: `make run` (the explorer app, `crlso app`, on the default NB201
# data, at http://127.0.0.1:8501) and `make test` (the whole suite, with a real-browser test).
# Both create .venv and install when it is missing; `make test` also installs Debian's
# chromium when it is missing (the browser test drives it).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run demo test install chromium clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

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

test: $(STAMP) chromium
	$(PY) -m pytest

clean:
	rm -rf $(VENV) runs build .pytest_cache
