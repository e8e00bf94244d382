"""A local cluster of three KRaft nodes, started cold by `infra.local.up(..., brokers=3)` (with TLS)
under a throwaway MSIX_HOME: every node answers every principal, the hub's topics keep three copies with
two in sync required, and a broker killed while a state publishes loses and duplicates nothing.

Ports of its own (Kafka 22092-22097: three client and controller pairs; PostgreSQL 22433), below
Linux's ephemeral range, apart from the test stack's and a developer's. Nothing here skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

import infra.local
from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from infra.local import Mode, cluster, kafka
from producers import state_access
from producers.admin import apply_topics
from producers.client_config import client_config, read_client_file
from producers.topics import Topics

pytestmark = pytest.mark.integration

KAFKA_PORT = 22092
POSTGRES_PORT = 22433
NODES = [f"127.0.0.1:{KAFKA_PORT + 2 * n}" for n in range(3)]
STREAM = 20_000  # records a state publishes while one broker dies


@pytest.fixture(scope="module")
def settings() -> Iterator[Settings]:
    # A fixed folder (PostgreSQL, run as its own user, must reach it; a stack left by an interrupted
    # run is found there and stopped), wiped first: always a cold start.
    home = Path(tempfile.gettempdir()) / f"msix-cluster-test-{os.getuid()}"
    s = Settings(
        home=HomeSettings(home=home),
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{KAFKA_PORT}"),
        database=DatabaseSettings(url=f"postgresql+psycopg://msix@127.0.0.1:{POSTGRES_PORT}/msix"),
    )
    infra.local.down(s)
    infra.local.wipe_if_stopped(s)  # PostgreSQL's data may live outside the home (as root)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    # Over TLS: the same SCRAM logins and ACLs as without, and the brokers' own replication then
    # crosses TLS too (one certificate for the one host serves the three nodes).
    infra.local.up(s, Mode.tls, brokers=3)
    yield s
    infra.local.down(s)
    infra.local.wipe_if_stopped(s)
    shutil.rmtree(home, ignore_errors=True)


def operator(s: Settings) -> KafkaSettings:
    return s.as_operator().kafka


def node_rows(s: Settings) -> list[infra.local.ServiceStatus]:
    return [st for st in infra.local.status(s) if st.name.startswith("kafka")]


def test_three_nodes_run_and_one_leads_the_quorum(settings: Settings) -> None:
    rows = node_rows(settings)
    assert [r.name for r in rows] == ["kafka-1", "kafka-2", "kafka-3"]
    assert [r.address for r in rows] == NODES
    assert all(r.running and r.pid for r in rows), rows
    assert sum("quorum leader" in r.detail for r in rows) == 1
    assert cluster.under_replicated(settings) == 0
    # `up` again with no flag keeps the three, starts nothing.
    before = [r.pid for r in rows]
    infra.local.up(settings)
    assert [r.pid for r in node_rows(settings)] == before
    # The command line shows the same, and the count of under-replicated partitions.
    env = os.environ | {
        "MSIX_HOME": str(settings.home.home),
        "MSIX_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
        "MSIX_DATABASE_URL": settings.database.url,
        "COLUMNS": "200",
    }
    shown = subprocess.run(
        [sys.executable, "-m", "hub", "infra", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert all(address in shown for address in NODES) and shown.count("quorum leader") == 1, shown
    assert "under-replicated partitions: 0" in shown, shown


def test_every_principal_logs_in_on_every_node(settings: Settings) -> None:
    kafka_settings = operator(settings).model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:8]}."})
    state_access.add(kafka_settings, "TX")
    configs = {path.stem: dict(read_client_file(path)) for path in settings.home.credentials_dir.glob("*.properties")}
    assert {"operator", "hub"} <= set(configs)
    configs["state TX"] = _credential_everywhere(state_access.issue_credentials(kafka_settings, "TX"))
    for who, config in configs.items():
        assert config["bootstrap.servers"] == ",".join(NODES), who
        assert config["security.protocol"] == "SASL_SSL", who
        for node in NODES:
            # One address: the login happens on that node, which must know the SCRAM credential.
            metadata = AdminClient(config | {"bootstrap.servers": node}).list_topics(timeout=10)
            assert len(metadata.brokers) == 3, (who, node)


def _credential_everywhere(config: dict[str, str]) -> dict[str, str]:
    """A credential set a moment ago reaches the other brokers with the metadata log, milliseconds
    later: wait for it on each node, briefly, before asserting."""
    for node in NODES:
        deadline = time.monotonic() + 5
        while True:
            try:
                AdminClient(config | {"bootstrap.servers": node, "log_level": 0}).list_topics(timeout=2)
                break
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
    return config


def test_topics_keep_three_copies_with_two_in_sync_required(settings: Settings) -> None:
    kafka_settings = operator(settings).model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:8]}."})
    topics = Topics(kafka_settings.topic_prefix)
    specs = topics.specs(("TX", "CA"))
    assert apply_topics(kafka_settings, specs).created == len(specs)
    admin = AdminClient(client_config(kafka_settings))
    metadata = admin.list_topics(timeout=10).topics
    for spec in specs:
        partitions = metadata[spec.name].partitions.values()
        assert len(partitions) == spec.partitions
        assert all(len(p.replicas) == 3 and len(p.isrs) == 3 for p in partitions), spec.name
    resources = [ConfigResource(ConfigResource.Type.TOPIC, spec.name) for spec in specs]
    for resource, future in admin.describe_configs(resources).items():
        config = future.result()
        assert config["min.insync.replicas"].value == "2", resource
        assert config["unclean.leader.election.enable"].value == "false", resource
    assert apply_topics(kafka_settings, specs).unchanged == len(specs)  # idempotent


def test_a_broker_killed_mid_stream_loses_and_duplicates_nothing(settings: Settings) -> None:
    kafka_settings = operator(settings).model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:8]}."})
    topics = Topics(kafka_settings.topic_prefix)
    topic = topics.records("TX")
    apply_topics(kafka_settings, topics.specs(("TX",)))
    state_access.add(kafka_settings, "TX")
    state = _credential_everywhere(state_access.issue_credentials(kafka_settings, "TX"))
    # The victim: the quorum's leader (the active controller), which also leads one of the three
    # partitions (each node leads one), so the kill moves a controller and a partition leader.
    victim = next(int(r.name[-1]) for r in node_rows(settings) if "quorum leader" in r.detail)
    admin = AdminClient(client_config(kafka_settings))
    leaders = {p.id: p.leader for p in admin.list_topics(topic, timeout=10).topics[topic].partitions.values()}
    assert victim in leaders.values(), leaders

    reader = _Reader(client_config(kafka_settings) | {"group.id": topics.hub_group_prefix + "cluster-test"}, topic)
    reader.start()
    failures: list[str] = []
    # Idempotent: a batch retried after the leader died is written once. acks=all (implied by it)
    # with min ISR 2: acknowledged means on two brokers.
    producer = Producer(state | {"enable.idempotence": True, "acks": "all", "linger.ms": 5})

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    for i in range(STREAM):
        producer.produce(topic, key=f"TX-{i % 997:04d}".encode(), value=str(i).encode(), on_delivery=delivered)
        if i % 500 == 0:
            producer.poll(0)
            time.sleep(0.1)  # a steady stream over ~4 s, so the kill lands in the middle of it
        if i == STREAM // 3:
            assert kafka.stop_node(settings, victim, signal.SIGKILL)
    assert producer.flush(120) == 0
    assert failures == []
    reader.join(120)
    assert not reader.is_alive(), f"read {len(reader.values)} of {STREAM} within 120 s"

    counts = Counter(reader.values)
    assert len(counts) == STREAM and set(counts) == set(range(STREAM))  # nothing lost
    assert max(counts.values()) == 1  # nothing twice
    for values in reader.by_partition.values():  # and each partition in the order published
        assert values == sorted(values)
    assert (cluster.under_replicated(settings) or 0) > 0  # the dead broker's copies are missing

    infra.local.up(settings)  # starts the stopped node only
    assert all(r.running for r in node_rows(settings))
    deadline = time.monotonic() + 120
    while cluster.under_replicated(settings) != 0:
        assert time.monotonic() < deadline, "partitions still under-replicated 120 s after the restart"
        time.sleep(1)


class _Reader(threading.Thread):
    """Reads every partition from the start, outside any consumer group (assigned, not subscribed:
    no rebalance can replay records), until it has the whole stream."""

    def __init__(self, config: dict[str, Any], topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer(config | {"enable.auto.commit": False})
        self.topic = topic
        self.values: list[int] = []
        self.by_partition: dict[int, list[int]] = {}

    def run(self) -> None:
        self.consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in range(3)])
        deadline = time.monotonic() + 240
        try:
            while len(self.values) < STREAM and time.monotonic() < deadline:
                message = self.consumer.poll(0.5)
                if message is None or message.error() is not None:
                    continue  # a dead broker's transport errors: librdkafka fails over by itself
                value = int(message.value())
                self.values.append(value)
                self.by_partition.setdefault(message.partition(), []).append(value)
        finally:
            self.consumer.close()
