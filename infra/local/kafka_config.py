"""What one local Kafka node is: its folder and its ``server.properties``, with the reason for
every line. Pure: nothing here starts or reads anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from infra.local import cluster, kafka_security
from infra.local.kafka_security import Mode
from producers.topics import Durability


@dataclass(frozen=True)
class KafkaPaths:
    root: Path
    config: Path
    data: Path
    logs: Path
    out: Path
    pid: Path

    @property
    def formatted(self) -> bool:
        return (self.data / "meta.properties").exists()


def paths(settings: Settings, node: int = 1) -> KafkaPaths:
    root = settings.home.kafka_dir if node == 1 else settings.home.kafka_dir / f"node-{node}"
    return KafkaPaths(
        root=root,
        config=root / "server.properties",
        data=root / "data",
        logs=root / "logs",
        out=root / "kafka.out",
        pid=root / "kafka.pid",
    )


def broker_config(
    settings: Settings,
    mode: Mode = Mode.none,
    made: kafka_security.Secrets | None = None,
    node: int = 1,
    count: int = 1,
) -> list[tuple[str, str, str]]:
    """``(key, value, why)`` for every line of node ``node``'s server.properties in a ``count``-node
    cluster (1: the single node)."""
    nodes = cluster.plan(settings, count)
    p = paths(settings, node)
    return [
        ("process.roles", "broker,controller", "one JVM is both a KRaft controller and a broker"),
        ("node.id", str(node), "this node; every node is also a voter below"),
        (
            "controller.quorum.voters",
            cluster.voters(nodes),
            "a static quorum of every node (one, or three that survive one lost): no dynamic voter"
            " changes to manage on a dev machine",
        ),
        *kafka_security.listener_config(settings, mode, made, nodes[node - 1]),
        ("controller.listener.names", "CONTROLLER", "which listener speaks the Raft protocol"),
        ("log.dirs", str(p.data), "topic data and the KRaft metadata log, under MSIX_HOME"),
        ("auto.create.topics.enable", "false", "topics come from `msix topics apply`, never from a typo"),
        ("group.initial.rebalance.delay.ms", "0", "a consumer group starts at once instead of after 3 s"),
        *replication_config(count),
        (
            "offsets.topic.num.partitions",
            "10",
            "__consumer_offsets is made at the first group join; 50 partitions would slow that join",
        ),
        ("transaction.state.log.num.partitions", "10", "made at first transactional use; keep it quick"),
        ("num.partitions", "1", "only used for topics created without a count, which we never do"),
        ("num.network.threads", "2", "a small machine: fewer threads than the defaults sized for servers"),
        ("num.io.threads", "4", "a small machine"),
        ("log.retention.hours", "168", "a week of history, as in production, so replays can be tried"),
    ]


def replication_config(count: int) -> list[tuple[str, str, str]]:
    """The internal topics' and the broker defaults' replication, from the node count, by the same
    rule as the hub's own topics (``producers.topics.Durability``)."""
    rule = Durability.for_brokers(count)
    rf, isr = str(rule.replication_factor), str(rule.min_insync_replicas)
    why_rf = "every node holds a copy" if count > 1 else "one broker: the default 3 could never be met"
    why_isr = "acks=all waits for two copies, and still works with one node lost" if count > 1 else "one broker"
    return [
        ("offsets.topic.replication.factor", rf, f"consumer offsets: {why_rf}"),
        ("transaction.state.log.replication.factor", rf, why_rf),
        ("transaction.state.log.min.isr", isr, why_isr),
        ("share.coordinator.state.topic.replication.factor", rf, why_rf),
        ("share.coordinator.state.topic.min.isr", isr, why_isr),
        ("default.replication.factor", rf, f"topics created with the broker's default replication: {why_rf}"),
        ("min.insync.replicas", isr, why_isr),
        ("unclean.leader.election.enable", "false", "a replica that missed acknowledged writes never leads"),
    ]


def render_properties(entries: list[tuple[str, str, str]]) -> str:
    head = "# Written by infra/local/kafka.py at every start; edits here are overwritten.\n"
    return head + "".join(f"\n# {why}\n{key}={value}\n" for key, value, why in entries)
