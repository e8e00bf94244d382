"""Creating and updating topics to match ``producers.topics`` (idempotent)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ClusterMetadata,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
)

from hub.config import KafkaSettings
from hub.errors import InfraError
from producers import acls
from producers.client_config import client_config
from producers.topics import Durability, Topics, TopicSpec

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


def delete_prefixed(settings: KafkaSettings) -> int:
    """Delete every topic under the settings' prefix (a benchmark run's own); how many there were.
    Refused without a prefix: that would be every topic of the cluster."""
    if not settings.topic_prefix:
        raise ValueError("no topic prefix: refusing to delete every topic")
    admin = admin_client(settings)
    names = [t for t in admin.list_topics(timeout=TIMEOUT).topics if t.startswith(settings.topic_prefix)]
    if names:
        for future in admin.delete_topics(names, operation_timeout=TIMEOUT).values():
            future.result()
    return len(names)


def apply_topics(settings: KafkaSettings, specs: Sequence[TopicSpec]) -> ApplyResult:
    """Create what is missing, grow partitions, set every topic's configuration: the spec's and the
    replication rule of this cluster's size (``Durability``: run it with every broker up)."""
    admin = admin_client(settings)
    try:
        metadata = admin.list_topics(timeout=TIMEOUT)
    except KafkaException as exc:
        raise InfraError(f"cannot reach Kafka at {settings.bootstrap}: is `msix infra up` running?") from exc
    existing = metadata.topics
    durability = Durability.for_brokers(_cluster_size(metadata))
    configs = {s.name: durability.config() | s.config for s in specs}
    result = ApplyResult()
    missing = [s for s in specs if s.name not in existing]
    if missing:
        rf = durability.replication_factor
        futures = admin.create_topics(
            [NewTopic(s.name, s.partitions, replication_factor=rf, config=configs[s.name]) for s in missing],
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
                    ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in configs[s.name].items()
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


def _cluster_size(metadata: ClusterMetadata) -> int:
    """The brokers answering, or more if a topic already has more replicas: with one broker of
    three down, topics are then refused (too few brokers for three copies) rather than made with two."""
    replicas = (len(p.replicas) for t in metadata.topics.values() for p in t.partitions.values())
    return max(len(metadata.brokers), *replicas, 1)


def _wait(futures: Mapping[Any, Any], ignore: str | None = None) -> None:
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as exc:
            err = exc.args[0]
            if ignore and err.name() == ignore:
                continue
            raise InfraError(f"topic {name}: {err.str()}") from exc
