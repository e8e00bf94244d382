"""Creating and updating topics to match ``producers.topics`` (idempotent)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
)

from hub.config import KafkaSettings
from hub.errors import InfraError
from producers import acls
from producers.client_config import client_config
from producers.topics import Topics, TopicSpec

TIMEOUT = 30.0
HUB_PRINCIPAL = "msix-hub"  # infra.local.kafka_security.HUB: the worker's SCRAM user
WEB_PRINCIPAL = "msix-web"  # infra.local.kafka_security.WEB: the web app's (`msix serve`)


@dataclass
class ApplyResult:
    created: int = 0
    grown: int = 0
    unchanged: int = 0


def admin_client(settings: KafkaSettings) -> AdminClient:
    return AdminClient(client_config(settings))


def apply_topics(settings: KafkaSettings, specs: Sequence[TopicSpec]) -> ApplyResult:
    admin = admin_client(settings)
    try:
        existing = admin.list_topics(timeout=TIMEOUT).topics
    except KafkaException as exc:
        raise InfraError(f"cannot reach Kafka at {settings.bootstrap}: is `msix infra up` running?") from exc
    result = ApplyResult()
    missing = [s for s in specs if s.name not in existing]
    if missing:
        futures = admin.create_topics(
            [NewTopic(s.name, num_partitions=s.partitions, replication_factor=-1, config=s.config) for s in missing],
            operation_timeout=TIMEOUT,
        )
        _wait(futures, ignore="TOPIC_ALREADY_EXISTS")
        result.created = len(missing)
    present = [s for s in specs if s.name in existing]
    grow = [s for s in present if len(existing[s.name].partitions) < s.partitions]
    if grow:
        # Partitions can be added, never removed; adding moves future keys, so do it before data.
        _wait(admin.create_partitions([NewPartitions(s.name, s.partitions) for s in grow]))
        result.grown = len(grow)
    if present:
        resources = [
            ConfigResource(
                ConfigResource.Type.TOPIC,
                s.name,
                incremental_configs=[
                    ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in s.config.items()
                ],
            )
            for s in present
        ]
        _wait(admin.incremental_alter_configs(resources))
    result.unchanged = len(present) - len(grow)
    if settings.credentials is not None:
        # With security on, the hub's own principal and the web app's get exactly what each does
        # on these topics.
        topics = Topics(settings.topic_prefix)
        bindings = acls.hub_topic_bindings(HUB_PRINCIPAL, topics, specs)
        acls.create(admin, bindings + acls.web_bindings(WEB_PRINCIPAL, topics, specs))
    return result


def _wait(futures: Mapping[Any, Any], ignore: str | None = None) -> None:
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as exc:
            err = exc.args[0]
            if ignore and err.name() == ignore:
                continue
            raise InfraError(f"topic {name}: {err.str()}") from exc
