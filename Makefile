# The two commands: `make demo` (the main job) and `make test` (the whole suite). Both run an
# idempotent `make setup` first, which is all a fresh Debian/Ubuntu machine needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

# uv installs the Python side from the committed uv.lock. It is itself bootstrapped with pip from
# infra/uv-requirements.txt (pinned, with hashes) into the cache outside the repository, beside
# Kafka's jars, so a clone never carries it and `uv sync` (exact) never removes it from .venv.
MSIX_CACHE ?= $(HOME)/.cache/msix
UV_VERSION := 0.13.9
UV_HOME := $(MSIX_CACHE)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
# The machine's own python3: uv must never download an interpreter of its own.
export UV_PYTHON_DOWNLOADS := never
UV_PYTHON := --python python3

.PHONY: setup demo test unit integration lint lock bench clean

# `--locked`: install exactly uv.lock (dev and optional extras included), and fail when
# pyproject.toml asks for something the lock does not have: a dependency added without
# `make lock` fails setup, and so CI, at once.
#
# Bytecode compiled once here, the dependencies' and the project's own: where PYTHONDONTWRITEBYTECODE
# is set (as on CI), Python would otherwise compile every module in memory at every start: 1.4 s of
# CPU for each `msix worker` (2.0 s -> 0.3 s for `msix worker --help`), for each command a user
# runs and each process a test starts. A source edited later is recompiled in memory, as before.
setup: $(UV)
	@bash infra/setup.sh
	@$(UV) sync --locked --all-extras --compile-bytecode $(UV_PYTHON) -q
	@$(PY) -m compileall -q hub connectors schemas consumers producers infra > /dev/null

$(UV): infra/uv-requirements.txt
	@python3 -m venv --clear $(UV_HOME) || { echo "setup: python3 -m venv failed; as root: apt-get install -y python3-venv" >&2; exit 1; }
	@$(UV_HOME)/bin/pip install -q --disable-pip-version-check --require-hashes --only-binary=:all: -r infra/uv-requirements.txt

# Upgrade every locked dependency on purpose, within pyproject.toml's ranges; then `make test`.
lock: $(UV)
	$(UV) lock --upgrade $(UV_PYTHON)

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
	-$(VENV)/bin/msix infra down --wipe
	rm -rf .msix
