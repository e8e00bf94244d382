"""The local infrastructure: Apache Kafka (KRaft) and PostgreSQL as processes under ``$MSIX_HOME``.

``up`` starts what is not running and returns once both answer; ``down`` stops both; both are
idempotent and serialised by a lock file, so parallel callers (test workers) are safe.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hub.config import Settings
from hub.errors import InfraError
from infra.local import cluster, kafka, postgres
from infra.local.kafka_security import Mode
from infra.local.process import ServiceStatus, locked

__all__ = ["Mode", "ServiceStatus", "down", "status", "up", "wipe_if_stopped"]


def _lock(settings: Settings) -> Path:
    return settings.home.home.resolve() / "infra.lock"


def up(settings: Settings, security: Mode | None = None, brokers: int | None = None) -> None:
    """Start Kafka and PostgreSQL unless running (both at once: PostgreSQL is ready while the JVM
    boots); return when each answers, or raise InfraError naming every one that did not.

    ``security``: the broker's mode; None keeps the one it was set up with (SCRAM for a new one).
    ``brokers``: Kafka nodes, 1 or 3 (``infra.local.cluster``); None keeps what was formatted."""
    cluster.choose_count(settings, brokers, kafka.paths(settings).formatted)  # a bad count: before any start
    with locked(_lock(settings)), ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            kafka.NAME: pool.submit(kafka.start, settings, security, brokers),
            postgres.NAME: pool.submit(postgres.start, settings),
        }
    failures = []
    for name, future in futures.items():
        exc = future.exception()
        if isinstance(exc, InfraError):
            failures.append(f"{name}: {exc}")
        elif exc is not None:
            raise exc
    if failures:
        raise InfraError("\n".join(failures))


def down(settings: Settings) -> None:
    """Stop Kafka, then PostgreSQL (SIGTERM/SIGINT, then SIGKILL after a timeout). Idempotent."""
    with locked(_lock(settings)):
        kafka.stop(settings)
        postgres.stop(settings)


def status(settings: Settings) -> list[ServiceStatus]:
    """One row per Kafka node (one on a single node), then PostgreSQL's."""
    return [*kafka.statuses(settings), postgres.status(settings)]


def wipe_if_stopped(settings: Settings) -> bool:
    """Delete everything under MSIX_HOME (topics, databases, credentials) if no service of it runs,
    so the next ``up`` starts from nothing; True if it did. For throwaway homes such as the test
    stack's: a cold start there must not depend on what an earlier run left behind."""
    home = settings.home.home.resolve()
    with locked(_lock(settings)):
        if any(s.running for s in status(settings)):
            return False
        postgres.wipe_data(settings)
        for child in home.iterdir() if home.exists() else ():
            if child.name != _lock(settings).name:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        return True
