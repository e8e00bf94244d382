"""Kafka security on the real broker: each state can do exactly its part and nothing more.

These tests need the broker that `msix infra up` starts by default (SASL/SCRAM, StandardAuthorizer,
nothing allowed without an ACL); a stack started without security fails them, it does not skip.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient

import schemas
from hub.config import KafkaSettings
from hub.errors import AccessDenied
from producers.client_config import client_config, read_client_file
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.submissions import student_row, submission


@pytest.fixture(autouse=True)
def _security_on(hub: Hub) -> None:
    assert hub.settings.kafka.credentials is not None, "the test stack runs without Kafka security"


def add_state(hub: Hub, state: str, name: str = "") -> Path:
    hub.msix("states", "add", state)
    path = hub.root / f"{state}{name}.properties"
    hub.msix("states", "credentials", state, "--output", str(path))
    return path


def as_state(hub: Hub, path: Path) -> KafkaSettings:
    return hub.settings.kafka.model_copy(update={"credentials": path})


def one_line_refusal(proc: object) -> str:
    assert getattr(proc, "returncode") == 2, getattr(proc, "stderr")
    stderr = getattr(proc, "stderr")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr


def tx_submission(hub: Hub, name: str = "tx") -> Path:
    return submission(hub.root, name, "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1", move_to_state="CA")])


def test_credentials_file_is_private_and_readable_by_clients(hub: Hub) -> None:
    path = add_state(hub, "TX")
    assert path.stat().st_mode & 0o777 == 0o600
    config = read_client_file(path)
    assert config["sasl.username"] == f"{hub.settings.kafka.topic_prefix}state-TX"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["security.protocol"] in {"SASL_PLAINTEXT", "SASL_SSL"}
    assert config["bootstrap.servers"] == hub.settings.kafka.bootstrap
    printed = hub.msix("states", "credentials", "TX").stdout  # to stdout when no --output
    assert "sasl.password=" in printed and config["sasl.password"] not in printed  # a new password each time


def test_a_state_publishes_and_reads_its_own_topics(hub: Hub) -> None:
    tx = add_state(hub, "TX")
    ca = add_state(hub, "CA")
    published = hub.msix("publish", "--state", "TX", str(tx_submission(hub)), "--credentials", str(tx))
    assert "1 rows published" in published.stderr
    hub.msix("worker", "--until-idle")  # as the hub's own principal
    notices = jsonl(
        hub.msix(
            "notices", "follow", "--state", "CA", "--until-idle", "--from-beginning", "--credentials", str(ca)
        ).stdout
    )
    assert [(n["from_state"], n["to_state"], n["kind"]) for n in notices] == [("TX", "CA", "departure")]
    rejected = hub.msix("rejected", "--state", "TX", "--until-idle", "--credentials", str(tx))
    assert rejected.returncode == 0


def test_another_states_topics_are_refused_in_one_line(hub: Hub) -> None:
    tx = add_state(hub, "TX")
    folder = submission(hub.root, "ca", "CA", "2025-09-15T10:00:00Z", students=[student_row("CA-1")])
    refused = one_line_refusal(hub.msix("publish", "--state", "CA", str(folder), "--credentials", str(tx), check=False))
    assert "refused" in refused and "state-TX" in refused and "state.CA.records" in refused
    refused = one_line_refusal(
        hub.msix("notices", "follow", "--state", "CA", "--until-idle", "--credentials", str(tx), check=False)
    )
    assert "movenotice.CA" in refused
    refused = one_line_refusal(
        hub.msix("rejected", "--state", "CA", "--until-idle", "--credentials", str(tx), check=False)
    )
    assert "state.CA.rejected" in refused


def test_a_state_may_not_write_notices_read_records_or_use_another_group(hub: Hub) -> None:
    tx = as_state(hub, add_state(hub, "TX"))
    # Forging a move notice for itself, or writing the hub's identity topic.
    for topic in (hub.topics.move_notices("TX"), hub.topics.identity):
        with pytest.raises(AccessDenied, match="Topic authorization failed"), Producer(tx) as producer:
            producer.send(topic, b"k", b"v")
    # Reading its own records topic (the hub's input) or its notices under the hub's group.
    for topic, group in (
        (hub.topics.records("TX"), hub.topics.state_group_prefix("TX") + "peek"),
        (hub.topics.move_notices("TX"), hub.topics.hub_group_prefix + "merge"),
    ):
        code = consume_error(tx, topic, group)
        assert code in {
            confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED,
            confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED,
        }, (topic, group, code)


def consume_error(settings: KafkaSettings, topic: str, group: str) -> int | None:
    """The first error the broker answers a consumer of ``topic`` in ``group`` with."""
    consumer = confluent_kafka.Consumer(
        client_config(settings) | {"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False}
    )
    try:
        consumer.subscribe([topic])
        for _ in range(30):
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is not None:
                return msg.error().code()
        return None
    except confluent_kafka.KafkaException as exc:
        return exc.args[0].code()
    finally:
        consumer.close()


def test_the_hub_principal_cannot_forge_a_states_records(hub: Hub) -> None:
    hub_kafka = hub.settings.kafka.model_copy(update={"credentials": hub.settings.home.hub_credentials})
    record = student_record("TX-9")
    with pytest.raises(AccessDenied, match=r"state\.TX\.records"), Producer(hub_kafka) as producer:
        producer.send(hub.topics.records("TX"), b"TX-9", record)
    with Producer(hub_kafka) as producer:  # what the relay does: allowed
        producer.send(hub.topics.move_notices("TX"), b"k", b"v")


def student_record(state_id: str) -> bytes:
    from datetime import UTC, date, datetime

    return schemas.encode(
        "StudentIdentity",
        {
            "event_id": uuid.uuid4().hex,
            "action": "I",
            "state": "TX",
            "state_student_id": state_id,
            "source_ts": datetime(2025, 9, 15, tzinfo=UTC),
            "submission_id": "s",
            "first_name": "Ana",
            "last_name_1": "Ruiz",
            "birth_date": date(2012, 5, 1),
            "sex": "F",
        },
    )


def test_unauthenticated_and_wrong_password_clients_are_refused(hub: Hub) -> None:
    plaintext = AdminClient({"bootstrap.servers": hub.settings.kafka.bootstrap, "log_level": 0})
    with pytest.raises(confluent_kafka.KafkaException):
        plaintext.list_topics(timeout=5)
    tx = add_state(hub, "TX")
    wrong = hub.root / "wrong.properties"
    wrong.write_text(tx.read_text().replace(read_client_file(tx)["sasl.password"], "not-the-password"))
    proc = hub.msix("publish", "--state", "TX", str(tx_submission(hub)), "--credentials", str(wrong), check=False)
    assert "refused the login" in one_line_refusal(proc)


def test_revoked_or_replaced_credentials_stop_working(hub: Hub) -> None:
    first = add_state(hub, "TX")
    hub.msix("publish", "--state", "TX", str(tx_submission(hub, "a")), "--credentials", str(first))
    second = add_state(hub, "TX", "-2")  # add again keeps the user; credentials issues a new password
    proc = hub.msix("publish", "--state", "TX", str(tx_submission(hub, "b")), "--credentials", str(first), check=False)
    assert "refused the login" in one_line_refusal(proc)
    hub.msix("publish", "--state", "TX", str(tx_submission(hub, "c")), "--credentials", str(second))

    removed = hub.msix("states", "remove", "TX")
    assert "credential revoked" in removed.stderr
    proc = hub.msix("publish", "--state", "TX", str(tx_submission(hub, "d")), "--credentials", str(second), check=False)
    assert "refused the login" in one_line_refusal(proc)
    missing = hub.msix("states", "credentials", "TX", check=False)
    assert missing.returncode == 2 and "msix states add TX" in missing.stderr
