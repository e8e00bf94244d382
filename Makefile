# The two commands: `make demo` (the main job) and `make test` (the whole suite). Both run an
# idempotent `make setup` first, which is all a fresh Debian/Ubuntu machine needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test unit integration lint bench clean

setup: $(STAMP)
	@bash infra/setup.sh

# Reinstalled only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV) || { echo "setup: python3 -m venv failed; as root: apt-get install -y python3-venv" >&2; exit 1; }
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	@$(VENV)/bin/msix demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration

test: lint
	$(PY) -m pytest -q -ra --durations=15

bench: setup
	$(VENV)/bin/msix bench pipeline --events 1000000 --workers 2

clean:
	-$(VENV)/bin/msix infra down
	rm -rf .msix
