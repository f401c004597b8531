# Two commands for a new user: `make run` (the main job on the default NB201 data) and
# `make test` (the whole suite). Both create .venv and install when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/crlso run --space nb201 --dataset cifar10 --preset demo --seed 0

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) runs .pytest_cache
