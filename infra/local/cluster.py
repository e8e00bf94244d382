"""The local Kafka's shape: a single node (the default) or a cluster of three KRaft nodes.

Every node is a combined controller and broker (one JVM each), so three nodes are also a quorum of
three voters: it survives one node lost. Ports, from MSIX_KAFKA_BOOTSTRAP's (first) port P:

    node 1: clients P,   controller P+1   (the single node's ports: nothing moves for it)
    node 2: clients P+2, controller P+3
    node 3: clients P+4, controller P+5

Node 1's files stay where the single node's always were (``$MSIX_HOME/kafka``), node N's are under
``$MSIX_HOME/kafka/node-N``. The count is kept in ``$MSIX_HOME/kafka/brokers`` once the storage is
formatted: a static quorum cannot grow or shrink, so `up`, `down` and `status` without
``--brokers`` act on what was formatted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from hub.config import Settings
from hub.errors import UserInputError
from producers.client_config import client_config

# One node, or three: an odd number of voters, the smallest that still has a majority with one lost.
SIZES = (1, 3)
QUORUM_STATE = Path("__cluster_metadata-0") / "quorum-state"


@dataclass(frozen=True)
class Node:
    id: int  # Kafka's node.id, 1..N
    host: str
    port: int  # clients (and, in a cluster, the other brokers' replica fetchers)
    controller_port: int  # the KRaft (Raft) listener

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def voter(self) -> str:
        return f"{self.id}@{self.host}:{self.controller_port}"


def plan(settings: Settings, count: int = 1) -> list[Node]:
    host, port = settings.kafka.host_port
    return [Node(n, host, port + 2 * (n - 1), port + 2 * (n - 1) + 1) for n in range(1, count + 1)]


def voters(nodes: list[Node]) -> str:
    """``controller.quorum.voters``: every node, as ``id@host:controller_port``."""
    return ",".join(node.voter for node in nodes)


def bootstrap(nodes: list[Node]) -> str:
    return ",".join(node.address for node in nodes)


def count_file(settings: Settings) -> Path:
    return settings.home.kafka_dir / "brokers"


def recorded_count(settings: Settings) -> int:
    """The node count this home was (or is being) set up with; 1 for a home from before clusters."""
    try:
        return int(count_file(settings).read_text().strip())
    except (OSError, ValueError):
        return 1


def choose_count(settings: Settings, requested: int | None, formatted: bool) -> int:
    if requested is not None and requested not in SIZES:
        raise UserInputError(f"--brokers {requested}: choose 1 (a single node) or 3 (a cluster)")
    if not formatted:
        return requested or 1
    recorded = recorded_count(settings)
    if requested is None or requested == recorded:
        return recorded
    raise UserInputError(
        f"the Kafka under {settings.home.kafka_dir} was formatted with {recorded} node(s); to run"
        f" {requested}, `msix infra down` and remove that folder (its topics go with it)"
    )


def record_count(settings: Settings, count: int) -> None:
    settings.home.kafka_dir.mkdir(parents=True, exist_ok=True)
    count_file(settings).write_text(f"{count}\n")


def client_bootstrap(settings: Settings) -> str:
    """What a client configuration's ``bootstrap.servers`` says. A cluster's lists every node, so a
    client that starts while one node is down still finds the others (with one address it would
    learn them from that node's first metadata answer, but only if that node answers)."""
    count = recorded_count(settings)
    return settings.kafka.bootstrap if count == 1 else bootstrap(plan(settings, count))


def quorum_leader(data_dirs: list[Path]) -> int | None:
    """The KRaft quorum's leader (the active controller) as the nodes last wrote it in their
    ``quorum-state`` files: the leader of the newest epoch any of them knows. A file read, no
    request; None if no node has seen an election yet."""
    best: tuple[int, int] | None = None
    for folder in data_dirs:
        try:
            state = json.loads((folder / QUORUM_STATE).read_text())
            epoch, leader = int(state["leaderEpoch"]), int(state["leaderId"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if leader >= 0 and (best is None or epoch > best[0]):
            best = (epoch, leader)
    return None if best is None else best[1]


def under_replicated(settings: Settings) -> int | None:
    """Partitions with fewer in-sync replicas than replicas, from one metadata request as the
    operator; None if Kafka does not answer."""
    admin = AdminClient(client_config(settings.as_operator().kafka) | {"log_level": 2})
    try:
        topics = admin.list_topics(timeout=5).topics
    except KafkaException:
        return None
    return sum(len(p.isrs) < len(p.replicas) for t in topics.values() for p in t.partitions.values())
