"""The outbox never jams: a row Kafka refuses for good is parked with its reason while the rows
after it are delivered and the worker goes on merging; what was delivered is never sent again
because a later row failed; a passing failure keeps the row; stopping takes seconds, not minutes."""

from __future__ import annotations

import json
import socket
import threading
import time

import psycopg
from prometheus_client.parser import text_string_to_metric_families

from consumers.outbox_relay import OutboxRelayService, RelayThread, relay_config
from hub import metrics
from hub.api import dashboard
from hub.config import KafkaSettings
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.kafka_peek import message_count
from tests.integration.submissions import student_row, submission

TOO_LARGE = 2 * 1024 * 1024  # over the client's and the broker's 1 MB message limit


def enqueue(hub: Hub, rows: list[tuple[str, bytes, bytes]]) -> list[int]:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        return [
            conn.execute("INSERT INTO outbox (topic, key, value) VALUES (%s, %s, %s) RETURNING id", row).fetchone()[0]
            for row in rows
        ]


def table(hub: Hub, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        return conn.execute(sql).fetchall()


def publish(hub: Hub, name: str, ssid: str) -> None:
    folder = submission(hub.root, name, "TX", "2025-09-15T10:00:00Z", students=[student_row(ssid)])
    hub.msix("publish", "--state", "TX", str(folder))


def test_a_refused_row_is_parked_and_the_rows_after_it_are_delivered(hub: Hub) -> None:
    ca = hub.topics.move_notices("CA")
    missing = hub.topics.prefix + "movenotice.tx.acks"  # what a move_to_state of "tx.acks" named
    first, bad, large, last = enqueue(
        hub,
        [
            (ca, b"k-first", b"one"),
            (missing, b"k-bad", b"two"),
            (ca, b"k-large", b"x" * TOO_LARGE),
            (ca, b"k-last", b"three"),
        ],
    )
    publish(hub, "a", "TX-1")
    hub.msix("worker", "--until-idle")  # before: DeliveryError, the worker stopped, the row stayed first

    assert table(hub, "SELECT count(*) FROM outbox") == [(0,)]
    parked = dict((row[0], row[1:]) for row in table(hub, "SELECT id, topic, error_code, reason FROM outbox_parked"))
    assert set(parked) == {bad, large}
    assert parked[bad][0] == missing
    assert parked[bad][1] in {"TOPIC_AUTHORIZATION_FAILED", "UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"}
    assert parked[large][1] == "MSG_SIZE_TOO_LARGE" and parked[large][2]
    assert message_count(hub.settings.kafka, ca) == 2  # first and last, once each
    hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1", "--json")  # merged meanwhile

    listed = json.loads(hub.msix("outbox", "parked", "--json").stdout)
    assert [(r["id"], r["topic"], r["key"], r["error_code"]) for r in listed] == [
        (bad, missing, "k-bad", parked[bad][1]),
        (large, ca, "k-large", "MSG_SIZE_TOO_LARGE"),
    ]
    assert all(r["reason"] and r["parked_at"] and "value" not in r for r in listed)
    assert listed[1]["bytes"] == TOO_LARGE
    assert "k-bad" in hub.msix("outbox", "parked").stdout
    exposition = metrics.render(hub.settings).decode()
    assert {s.name: s.value for f in text_string_to_metric_families(exposition) for s in f.samples}[
        "msix_outbox_parked"
    ] == 2
    with db.engine(hub.settings.database).connect() as conn:
        assert dashboard.outbox_parked(conn, "CA", hub.topics.prefix) == {"state": 1, "all": 2}  # the large one
        assert dashboard.outbox_parked(conn, "TX", hub.topics.prefix) == {"state": 0, "all": 2}

    # The worker goes on: a later submission is merged, and nothing delivered is sent again.
    publish(hub, "b", "TX-2")
    hub.msix("worker", "--until-idle")
    hub.msix("student", "find", "--state", "TX", "--state-id", "TX-2", "--json")
    assert message_count(hub.settings.kafka, ca) == 2
    assert {row[0] for row in table(hub, "SELECT id FROM outbox_parked")} == {bad, large}
    assert first < bad < large < last


def test_requeued_rows_are_tried_again(hub: Hub) -> None:
    ca = hub.topics.move_notices("CA")
    (bad,) = enqueue(hub, [(hub.topics.prefix + "movenotice.nowhere", b"k", b"v")])
    hub.msix("worker", "--until-idle")
    assert [r[0] for r in table(hub, "SELECT id FROM outbox_parked")] == [bad]
    refused = hub.msix("outbox", "requeue", check=False)
    assert refused.returncode == 2 and "--all" in refused.stderr
    # The operator fixes the cause (here: points the row at a real topic) and puts it back.
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        conn.execute("UPDATE outbox_parked SET topic = %s", (ca,))
    hub.msix("outbox", "requeue", str(bad))
    assert table(hub, "SELECT id FROM outbox") == [(bad,)]
    hub.msix("worker", "--until-idle")
    assert table(hub, "SELECT count(*) FROM outbox_parked") == [(0,)]
    assert message_count(hub.settings.kafka, ca) == 1


def _unreachable(hub: Hub) -> KafkaSettings:
    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return KafkaSettings(bootstrap=f"127.0.0.1:{port}", topic_prefix=hub.settings.kafka.topic_prefix)


def test_a_transient_failure_keeps_the_row_and_is_retried(hub: Hub) -> None:
    (row,) = enqueue(hub, [(hub.topics.move_notices("CA"), b"k", b"v")])
    # The broker is down: each try times out after 1.5 s, and the row stays where it is.
    config = relay_config(_unreachable(hub)) | {"delivery.timeout.ms": 1500, "log_level": 0}
    service = OutboxRelayService(hub.settings.database, config)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,))
    thread.start()
    time.sleep(5)
    stop.set()
    thread.join(15)
    assert not thread.is_alive()
    assert table(hub, "SELECT id FROM outbox") == [(row,)]
    assert table(hub, "SELECT count(*) FROM outbox_parked") == [(0,)]
    assert service.sent == 0 and service.parked == 0


def test_stopping_takes_seconds_and_keeps_undelivered_rows(hub: Hub) -> None:
    rows = enqueue(hub, [(hub.topics.move_notices("CA"), b"k%d" % n, b"v") for n in range(3)])
    relay = RelayThread(hub.settings.model_copy(update={"kafka": _unreachable(hub)}))
    relay.start()
    time.sleep(2)  # the batch is sent, and no broker answers
    started = time.monotonic()
    relay.stop()  # before: up to 120 s in the relay's flush
    assert time.monotonic() - started < 8
    assert relay.error is None
    assert [r[0] for r in table(hub, "SELECT id FROM outbox ORDER BY id")] == rows  # for the next start
