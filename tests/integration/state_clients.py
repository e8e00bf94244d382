"""What the obligations tests share to act as a state and as its people on the real stack: a state's
Kafka credentials, web accounts and their tokens, the API client, and the check that Kafka refused a
state in one line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.config import WebSettings
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.web.signing import PASSWORD


def credentials(hub: Hub, state: str) -> Path:
    """State ``state``'s principal and ACLs made; its client configuration file."""
    hub.msix("states", "add", state)
    path = hub.root / f"{state}.properties"
    hub.msix("states", "credentials", state, "--output", str(path))
    return path


def add_user(hub: Hub, name: str, role: str, state: str) -> None:
    args = [sys.executable, "-m", "hub", "users", "add", name, "--role", role, "--state", state, "--password-stdin"]
    done = subprocess.run(args, input=PASSWORD + "\n", env=hub.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    app = create_app(db.engine(hub.settings.database), WebSettings(cookie_secure=False), hub.settings)
    with TestClient(app) as c:
        yield c


def refused(proc: subprocess.CompletedProcess[str], topic: str) -> None:
    """Kafka refused the state: exit 2, one line naming ``topic``, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert topic in proc.stderr, proc.stderr
