"""The local cluster's plan (ports, voters, recorded size, replication rule) and each node's
server.properties. No servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import HomeSettings, KafkaSettings, Settings
from hub.errors import UserInputError
from infra.local import cluster, kafka, kafka_security
from producers.topics import Durability


def settings(home: Path, bootstrap: str = "127.0.0.1:39092") -> Settings:
    return Settings.model_construct(
        home=HomeSettings(home=home, cache=home / "cache"), kafka=KafkaSettings(bootstrap=bootstrap)
    )


def properties(text: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    assert len({key for key, _ in pairs}) == len(pairs), "a key appears twice"
    return dict((key, value) for key, value in pairs)


def test_three_nodes_take_consecutive_port_pairs_from_the_bootstrap_port(tmp_path: Path) -> None:
    nodes = cluster.plan(settings(tmp_path), 3)
    assert [(n.id, n.port, n.controller_port) for n in nodes] == [
        (1, 39092, 39093),
        (2, 39094, 39095),
        (3, 39096, 39097),
    ]
    assert cluster.voters(nodes) == "1@127.0.0.1:39093,2@127.0.0.1:39095,3@127.0.0.1:39097"
    assert cluster.bootstrap(nodes) == "127.0.0.1:39092,127.0.0.1:39094,127.0.0.1:39096"
    assert cluster.plan(settings(tmp_path), 1) == nodes[:1]  # the single node's ports do not move


def test_each_node_has_its_own_ports_folder_and_id_and_all_share_the_quorum(tmp_path: Path) -> None:
    s = settings(tmp_path)
    made = kafka_security.Secrets(controller_password="c-pass", operator_password="o-pass")
    node2 = properties(kafka.render_properties(kafka.broker_config(s, kafka_security.Mode.sasl, made, 2, 3)))
    assert node2["node.id"] == "2"
    assert node2["controller.quorum.voters"] == "1@127.0.0.1:39093,2@127.0.0.1:39095,3@127.0.0.1:39097"
    assert node2["listeners"] == "CLIENT://127.0.0.1:39094,CONTROLLER://127.0.0.1:39095"
    assert node2["advertised.listeners"] == "CLIENT://127.0.0.1:39094"
    assert node2["log.dirs"] == str(tmp_path.resolve() / "kafka" / "node-2" / "data")
    assert node2["inter.broker.listener.name"] == "CLIENT"  # replicas fetch over SCRAM, as the operator
    assert node2["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    assert node2["allow.everyone.if.no.acl.found"] == "false"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "default.replication.factor",
    ):
        assert node2[key] == "3", key
    assert node2["min.insync.replicas"] == node2["transaction.state.log.min.isr"] == "2"
    assert node2["unclean.leader.election.enable"] == "false"

    single = properties(kafka.render_properties(kafka.broker_config(s, kafka_security.Mode.sasl, made)))
    assert single["default.replication.factor"] == single["min.insync.replicas"] == "1"
    assert single["log.dirs"] == str(tmp_path.resolve() / "kafka" / "data")


@pytest.mark.parametrize(("brokers", "copies", "in_sync"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2)])
def test_replication_follows_the_number_of_brokers(brokers: int, copies: int, in_sync: int) -> None:
    rule = Durability.for_brokers(brokers)
    assert (rule.replication_factor, rule.min_insync_replicas) == (copies, in_sync)
    assert rule.config() == {"min.insync.replicas": str(in_sync), "unclean.leader.election.enable": "false"}


def test_the_node_count_is_kept_once_formatted(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert cluster.choose_count(s, None, formatted=False) == 1  # the single node stays the default
    assert cluster.choose_count(s, 3, formatted=False) == 3
    with pytest.raises(UserInputError, match="choose 1"):
        cluster.choose_count(s, 2, formatted=False)
    assert cluster.choose_count(s, None, formatted=True) == 1  # a home from before clusters
    cluster.record_count(s, 3)
    assert cluster.choose_count(s, None, formatted=True) == 3
    assert cluster.choose_count(s, 3, formatted=True) == 3
    with pytest.raises(UserInputError, match="formatted with 3 node"):
        cluster.choose_count(s, 1, formatted=True)


def test_client_files_of_a_cluster_list_every_node(tmp_path: Path) -> None:
    s = settings(tmp_path, "127.0.0.1:39092")
    assert kafka_security.client_file(s, kafka_security.Mode.sasl, "u", "p")["bootstrap.servers"] == "127.0.0.1:39092"
    cluster.record_count(s, 3)
    config = kafka_security.client_file(s, kafka_security.Mode.sasl, "u", "p")
    assert config["bootstrap.servers"] == "127.0.0.1:39092,127.0.0.1:39094,127.0.0.1:39096"


def test_the_quorum_leader_is_the_newest_epoch_s(tmp_path: Path) -> None:
    def node(name: str, state: dict[str, int] | None) -> Path:
        folder = tmp_path / name
        (folder / cluster.QUORUM_STATE).parent.mkdir(parents=True)
        if state is not None:
            (folder / cluster.QUORUM_STATE).write_text(json.dumps(state | {"votedId": -1}))
        return folder

    dirs = [
        node("a", {"leaderId": 1, "leaderEpoch": 1}),  # a node that was down through the last election
        node("b", {"leaderId": 3, "leaderEpoch": 2}),
        node("c", None),
        node("d", {"leaderId": -1, "leaderEpoch": 3}),  # an election under way
    ]
    assert cluster.quorum_leader(dirs) == 3
    assert cluster.quorum_leader([tmp_path / "c"]) is None
