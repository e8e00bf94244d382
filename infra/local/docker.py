"""The other road, for machines with a Docker engine: Kafka and PostgreSQL in throwaway containers.

Not used by ``make setup``/``make test`` (they start local processes, infra/local/__init__.py), and
not exercised by the test suite beyond ``docker_available()``: the project's CI machines run no
Docker engine. ``infra/docker-compose.yml`` is the long-lived equivalent on the default ports.

    with docker.kafka() as bootstrap, docker.postgres() as url:
        settings = Settings(kafka=KafkaSettings(bootstrap=bootstrap), database=DatabaseSettings(url=url))
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# Confluent's image of Apache Kafka 4.1: testcontainers' KafkaContainer drives Confluent's start
# scripts, so the plain apache/kafka image (used by docker-compose.yml) does not fit it.
KAFKA_IMAGE = "confluentinc/cp-kafka:8.1.0"
POSTGRES_IMAGE = "postgres:15"


def docker_available(timeout: float = 3.0) -> bool:
    """Does a Docker engine answer ``docker info`` within ``timeout`` seconds?"""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        done = subprocess.run(  # noqa: S603
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


@contextmanager
def kafka() -> Iterator[str]:
    """Start a single-node KRaft Kafka container; yield its bootstrap servers; remove it after."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the module moved in newer releases
        from testcontainers.kafka import KafkaContainer

    with KafkaContainer(KAFKA_IMAGE).with_kraft() as container:
        yield str(container.get_bootstrap_server())


@contextmanager
def postgres(user: str = "msix", database: str = "msix") -> Iterator[str]:
    """Start a PostgreSQL 15 container with the hub's role and database; yield the SQLAlchemy URL
    (``postgresql+psycopg://...``) that MSIX_DATABASE_URL takes; remove it after."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.postgres import PostgresContainer

    image = PostgresContainer(POSTGRES_IMAGE, username=user, password=user, dbname=database, driver="psycopg")
    with image as container:
        yield str(container.get_connection_url())
