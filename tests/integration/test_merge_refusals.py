"""A value PostgreSQL refuses stops nothing: the batch is split, the refused events go back to their
state with the database's reason (never the value), and the rest of the batch lands."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

import psycopg

import schemas
from consumers import merge_batch
from consumers.decoding import DeadLetter
from hub.domain.identity import ExactMatcher
from hub.domain.records import Event, event_from_value
from hub.store import effects
from hub.store.batch.postgres import PostgresBatchStore
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.test_workers import student

NOW = datetime(2025, 10, 1, tzinfo=UTC)


def too_long_for_an_index() -> str:
    """A state student id PostgreSQL stores but cannot index: random letters do not compress below
    the btree row limit (2,704 bytes), so the identity's primary key refuses it (SQLSTATE 54000)."""
    rng = random.Random(7)
    return "".join(rng.choice(string.ascii_letters) for _ in range(6000))


def event(record: dict) -> Event:
    name, value = schemas.decode(schemas.encode("StudentIdentity", record))
    return event_from_value(name, value)


def count(conn: psycopg.Connection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_refused_events_are_dead_lettered_and_the_rest_of_the_batch_lands(hub: Hub) -> None:
    topic = hub.topics.records("TX")
    items: list[Event | DeadLetter] = []
    positions: list[merge_batch.Position] = []
    for i in range(40):
        record = student("TX", i)
        if i == 13:
            record["state_student_id"] = too_long_for_an_index()
        if i == 29:
            record["first_name"] = "Ana\x00"  # a NUL byte: no PostgreSQL text holds one
        items.append(event(record))
        positions.append((topic, i % 2, i // 2))  # two partitions, interleaved as consume() gives them
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        result = merge_batch.process_splitting(
            PostgresBatchStore(conn), items, positions, "g", hub.topics, ExactMatcher(), effects.IdAllocator(), NOW
        )
        assert (result.events, result.refused, result.dead_letters) == (38, 2, 2)
        assert count(conn, "SELECT count(*) FROM state_identity") == 38
        assert count(conn, "SELECT count(*) FROM record WHERE family = 'student'") == 38
        # Both partitions done, to their last message: the refused ones are behind the worker too.
        offsets = conn.execute("SELECT partition, next_offset FROM consumer_offset ORDER BY 1").fetchall()
        assert offsets == [(0, 20), (1, 20)]
        rows = conn.execute(
            "SELECT topic, key, value FROM outbox WHERE topic = %s ORDER BY id", (hub.topics.rejected("TX"),)
        ).fetchall()
    letters = [schemas.decode(bytes(r[2]))[1] for r in rows]
    assert [(v["source_partition"], v["source_offset"]) for v in letters] == [(1, 6), (1, 14)]
    too_long, nul = letters
    assert too_long["reason"].startswith("refused by the database: SQLSTATE 54000 ProgramLimitExceeded")
    assert "state_identity" in too_long["reason"]
    assert nul["reason"].startswith("refused by the database: SQLSTATE 22P05 UntranslatableCharacter")
    for v in letters:
        assert v["stage"] == "hub" and v["record_family"] == "StudentIdentity"
        assert too_long_for_an_index()[:20] not in v["reason"] and "Ana" not in v["reason"]  # no value in a reason


def test_worker_sends_a_refused_record_back_and_goes_on(hub: Hub) -> None:
    children = 30
    with Producer(hub.settings.kafka) as producer:
        for i in range(children + 1):
            record = student("TX", i)
            if i == children // 2:
                record["state_student_id"] = too_long_for_an_index()
            key = record["state_student_id"].encode()
            producer.send(hub.topics.records("TX"), key, schemas.encode("StudentIdentity", record))
    # Without the split, the worker exited at the refused batch, and again at every restart.
    hub.msix("worker", "--until-idle", "--batch-size", "1000", timeout=120)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        assert count(conn, "SELECT count(*) FROM state_identity") == children
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    assert len(rejected) == 1
    # The database's reason today; the hub's own checks may refuse such an id before the database
    # sees it (the split is the last line of defence): either way a reason without the value.
    assert rejected[0]["reason"] and too_long_for_an_index()[:20] not in rejected[0]["reason"]
