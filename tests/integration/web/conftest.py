"""One hub a module for the web tests: Ana's three states published through the real pipeline once,
accounts made with the real ``msix users add``, then many requests against it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from hub.config import KafkaSettings, Settings
from infra.local import postgres
from producers import acls
from producers.admin import admin_client, apply_topics
from producers.topics import Topics
from tests.integration.conftest import TEMPLATE_DB, TEST_STATES, Hub
from tests.integration.web import ana
from tests.integration.web.signing import PASSWORD

USERS = {
    "carmen": ("counselor", "FL"),
    "rita": ("registrar", "TX"),
    "sam": ("state_data_manager", "FL"),
    "dana": ("data_admin", ""),
    "dara": ("data_admin", ""),  # the second data admin, who validates dana's merges and splits
    "root": ("admin", ""),
}


@pytest.fixture(scope="module")
def ana_hub(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    def publish(hub: Hub) -> None:
        for make, state in ((ana.texas, "TX"), (ana.others, "TX"), (ana.california, "CA"), (ana.florida, "FL")):
            hub.msix("publish", "--state", state, "--format", "mde", str(make(hub.root)))
        hub.msix("worker", "--until-idle")

    yield from module_hub(stack, tmp_path_factory, "ana", publish)


def module_hub(
    stack: Settings, tmp_path_factory: pytest.TempPathFactory, name: str, publish: Callable[[Hub], None]
) -> Iterator[Hub]:
    """A database and topics of its own, filled by ``publish`` through the real pipeline, with the
    accounts of ``USERS``; dropped afterwards."""
    tag = "w" + uuid.uuid4().hex[:10]
    database = f"msix_{tag}"
    postgres.ensure_database(stack, database, template=TEMPLATE_DB)
    settings = Settings(
        home=stack.home,
        # As the operator, like the `hub` fixture: the test stack's broker runs with security.
        kafka=KafkaSettings(
            bootstrap=stack.kafka.bootstrap, topic_prefix=f"{tag}.", credentials=stack.kafka.credentials
        ),
        database=stack.database.with_database(database),
    )
    apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs(TEST_STATES))
    hub = Hub(settings, tmp_path_factory.mktemp(name))
    publish(hub)
    for user, (role, state) in USERS.items():
        done = add_user(hub, user, role, state)
        assert done.returncode == 0, done.stderr
    yield hub
    postgres.drop_database(stack, database)
    admin = admin_client(settings.kafka)
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(settings.kafka.topic_prefix)]
    if names:
        for future in admin.delete_topics(names, operation_timeout=30).values():
            future.result()
    if settings.kafka.credentials is not None:  # the hub's and the web app's ACLs on these topics
        acls.delete_under_prefix(admin, settings.kafka.topic_prefix)


def add_user(hub: Hub, name: str, role: str, state: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "hub", "users", "add", name, "--role", role, "--password-stdin"]
    if state:
        args += ["--state", state]
    env, cwd = hub.env(), hub.root
    return subprocess.run(args, input=password + "\n", env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


def screenshots_dir() -> Path:
    out = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one a test module."""
    from tests.integration.web.browsing import chromium_path

    args = ["--disable-background-networking", "--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=args, headless=True)
        yield b
        b.close()
