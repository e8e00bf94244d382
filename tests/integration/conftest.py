"""The real Kafka and PostgreSQL, started once per test session by the project's own infra code
(or through testcontainers where a Docker engine answers). A service that cannot start fails the
session: these tests never skip.

Each test gets topics of its own (a fresh topic prefix) and a database of its own (a copy of a
migrated template), so tests neither see nor disturb each other's data.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import infra.local
from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from hub.store import db
from infra.local import docker, pg_secrets, postgres
from producers import acls, principals
from producers.admin import admin_client, apply_topics, delete_prefixed
from producers.topics import Topics

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "hub" / "store" / "migrations" / "versions"
TEST_STATES = ("TX", "CA", "FL", "MI", "WA", "NC")


def _base_settings() -> Settings:
    # Ports of their own, so a developer's running `msix infra up` and the tests never collide.
    # Outside the checkout: PostgreSQL runs as its own user, who may not enter a clone under /root.
    default_home = Path(tempfile.gettempdir()) / f"msix-test-{os.getuid()}"
    home = Path(os.environ.get("MSIX_TEST_HOME", default_home))
    return Settings(
        home=HomeSettings(home=home),
        kafka=KafkaSettings(bootstrap=os.environ.get("MSIX_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:29092")),
        database=DatabaseSettings(
            url=os.environ.get("MSIX_TEST_DATABASE_URL", "postgresql+psycopg://msix@127.0.0.1:25433/msix")
        ),
    )


@pytest.fixture(scope="session")
def stack() -> Iterator[Settings]:
    if docker.docker_available() and not os.environ.get("MSIX_TEST_LOCAL"):
        with docker.kafka() as bootstrap, docker.postgres() as url:
            yield _prepared(Settings(kafka=KafkaSettings(bootstrap=bootstrap), database=DatabaseSettings(url=url)))
        return
    settings = _base_settings()
    was_running = all(s.running for s in infra.local.status(settings))
    # A stopped test stack starts from nothing: a broker's metadata log or a database left by an
    # earlier run (perhaps of older code) must not decide whether this run passes.
    infra.local.wipe_if_stopped(settings)
    infra.local.up(settings)  # raises InfraError, failing every test, if a service cannot start
    # The cluster's SCRAM logins, for this process and every command a test runs.
    pg_secrets.use_home_passfile(settings.home)
    # As the operator when the broker runs with security (its credentials exist once it is up).
    settings = settings.as_operator()
    yield _prepared(settings)
    if not was_running and not os.environ.get("MSIX_TEST_KEEP_STACK"):
        infra.local.down(settings)


def _template_name() -> str:
    """The template's name carries a digest of the migrations, so checkouts with different schemas
    can share one running stack, and an unchanged schema is not migrated again."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"msix_template_{digest.hexdigest()[:12]}"


TEMPLATE_DB = _template_name()


def _prepared(settings: Settings) -> Settings:
    """A migrated template database, copied for each test. It is built under a scratch name and
    renamed when complete, so a session never copies a half-migrated template."""
    if not postgres.database_exists(settings, TEMPLATE_DB):
        scratch = f"{TEMPLATE_DB}_{uuid.uuid4().hex[:6]}"
        postgres.ensure_database(settings, scratch)
        db.migrate(settings.database.with_database(scratch))
        postgres.rename_database(settings, scratch, TEMPLATE_DB)
    return settings


def jsonl(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a command's ``--jsonl`` output."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass
class Hub:
    """One test's slice of the stack: its own topic prefix and database."""

    settings: Settings
    root: Path
    spawned: list[tuple[subprocess.Popen[str], Path]] = field(default_factory=list)

    @property
    def topics(self) -> Topics:
        return Topics(self.settings.kafka.topic_prefix)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            MSIX_HOME=str(self.settings.home.home),
            MSIX_KAFKA_BOOTSTRAP=self.settings.kafka.bootstrap,
            MSIX_KAFKA_TOPIC_PREFIX=self.settings.kafka.topic_prefix,
            MSIX_DATABASE_URL=self.settings.database.url,
        )
        return env

    def msix(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run the real command line, as a user would."""
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "hub", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            check=False,
        )
        print(f"msix {' '.join(args[:3])}: {time.perf_counter() - started:.1f} s")
        if check and proc.returncode != 0:
            raise AssertionError(f"msix {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start the command in the background. Its output goes to a file (see ``output``): a pipe
        nobody reads would fill up and stop a chatty worker."""
        log = (self.root / f"spawned-{len(self.spawned)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub", *args], env=self.env(), cwd=self.root, text=True, stdout=log, stderr=log
        )
        self.spawned.append((proc, Path(log.name)))
        return proc

    def output(self, proc: subprocess.Popen[str]) -> str:
        return next(path for p, path in self.spawned if p is proc).read_text()


@pytest.fixture
def hub(stack: Settings, tmp_path: Path) -> Iterator[Hub]:
    tag = "t" + uuid.uuid4().hex[:10]
    database = f"msix_{tag}"
    postgres.ensure_database(stack, database, template=TEMPLATE_DB)
    settings = Settings(
        home=stack.home,
        kafka=KafkaSettings(
            bootstrap=stack.kafka.bootstrap, topic_prefix=f"{tag}.", credentials=stack.kafka.credentials
        ),
        database=stack.database.with_database(database),
    )
    apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs(TEST_STATES))
    yield Hub(settings, tmp_path)
    postgres.drop_database(stack, database)
    delete_prefixed(settings.kafka)
    admin = admin_client(settings.kafka)
    if settings.kafka.credentials is not None:
        # The hub's ACLs on this test's topics, and any state principal the test made.
        for principal in acls.delete_under_prefix(admin, settings.kafka.topic_prefix):
            user = principal.removeprefix("User:")
            if user.startswith(settings.kafka.topic_prefix):
                acls.delete_principal(admin, user)
                principals.revoke_scram(admin, user)
