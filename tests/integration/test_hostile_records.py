"""No state can stop the hub: a state writing its own records topic with its own credentials, past
every rule of the connector, gets each bad record back on state.ST.rejected with its reason, its
good records land, the worker never dies; a record of a schema the hub does not know yet is parked
and applied by ``msix parked replay`` once the hub can read it."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import fastavro
import psycopg

import schemas
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.test_security import add_state, as_state

TS = datetime(2025, 9, 15, 10, tzinfo=UTC)
ENV = {"action": "I", "state": "TX", "source_ts": TS, "submission_id": "s" * 32}


def student(sid: str, **changes: Any) -> dict[str, Any]:
    base = {"state_student_id": sid, "first_name": "Ana", "last_name_1": "Ruiz", "sex": "F"}
    return {"event_id": uuid.uuid4().hex, **ENV, **base, "birth_date": date(2014, 3, 1), **changes}


def enrollment(sid: str, **changes: Any) -> dict[str, Any]:
    base = {"state_student_id": sid, "enrollment_id": "E1", "enrollment_date": date(2025, 8, 20)}
    return {"event_id": uuid.uuid4().hex, **ENV, **base, **changes}


def course(sid: str, **changes: Any) -> dict[str, Any]:
    base = {"state_student_id": sid, "course_id": "C1", "school_year": "2025-2026", "course_title": "Algebra I"}
    return {"event_id": uuid.uuid4().hex, **ENV, **base, **changes}


def crafted(family: str, value: dict[str, Any]) -> bytes:
    """What a state's own Avro library writes: the hub's schema, any decimal precision."""
    version = schemas.default_registry().current(family)
    raw = json.loads(json.dumps(version.raw).replace('"precision": 8', '"precision": 30'))
    out = io.BytesIO()
    out.write(version.header)
    fastavro.schemaless_writer(out, fastavro.parse_schema(raw), value)
    return out.getvalue()


# key -> (family, record, the rejection's column, what its reason says)
BAD: dict[str, tuple[str, dict[str, Any], str | None, str]] = {
    "BAD-ID": ("StudentIdentity", student("x" * 6000), "state_student_id", "longer than its limit of 64"),
    "BAD-NUL": ("StudentIdentity", student("BAD-NUL", first_name="Ana\x00"), "first_name", "control character"),
    "BAD-NAME": ("StudentIdentity", student("BAD-NAME", last_name_1="R" * 500), "last_name_1", "limit of 75"),
    "BAD-MOVE": ("StudentIdentity", student("BAD-MOVE", move_to_state="tx.acks"), "move_to_state", "USPS"),
    "BAD-DATE": ("StudentIdentity", student("BAD-DATE", birth_date=date(9999, 1, 1)), "birth_date", "outside"),
    "BAD-TS": ("StudentIdentity", student("BAD-TS", source_ts=TS + timedelta(days=3650)), "source_ts", "ahead"),
    "BAD-CODE": ("Enrollment", enrollment("BAD-CODE", grade_level="13"), "grade_level", "is not one of"),
    "BAD-UNITS": ("Course", course("BAD-UNITS", credits_granted=Decimal("10000000.000")), "credits_granted", "below"),
    "BAD-COMMENT": ("Enrollment", enrollment("BAD-COMMENT", comment="c" * 5000), "comment", "limit of 1000"),
}


def test_each_bad_record_is_rejected_with_its_reason_and_the_good_ones_land(hub: Hub) -> None:
    tx = as_state(hub, add_state(hub, "TX"))
    topic = hub.topics.records("TX")
    with Producer(tx) as producer:  # the state's own client, not the connector
        for key, (family, value, _, _) in BAD.items():
            producer.send(topic, key.encode(), crafted(family, value))
        producer.send(topic, b"BAD-BYTES", b"\x00not avro")
        producer.send(topic, b"NEWER", b"\xc3\x01" + bytes(range(8)) + b"a newer schema's datum")
        producer.send(topic, b"GOOD-1", crafted("StudentIdentity", student("GOOD-1", move_to_state="CA")))
        producer.send(topic, b"GOOD-1", crafted("Enrollment", enrollment("GOOD-1", comment="two\nlines")))
        producer.send(topic, b"GOOD-1", crafted("Course", course("GOOD-1", credits_granted=Decimal("1.000"))))
    worker = hub.msix("worker", "--until-idle", timeout=180)
    assert worker.returncode == 0 and "Traceback" not in worker.stderr

    record = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "GOOD-1").stdout)
    assert record["student"]["first_name"] == "Ana"
    assert [e["enrollment_id"] for e in record["enrollments"]] == ["E1"]
    assert [c["course_id"] for c in record["courses"]] == ["C1"]

    rejected = {r["state_student_id"]: r for r in jsonl(hub.msix("rejected", "--state", "TX", "--until-idle").stdout)}
    assert set(rejected) == {*BAD, "BAD-BYTES"}  # the parked one is no rejection
    for key, (_, value, column, reason) in BAD.items():
        r = rejected[key]
        assert r["stage"] == "hub" and r["column"] == column and reason in r["reason"], (key, r)
        assert r["source_topic"] == topic and r["source_offset"] is not None
        assert "x" * 100 not in r["reason"] and "Ana\x00" not in r["reason"] and "tx.acks" not in r["reason"]
    assert rejected["BAD-BYTES"]["reason"].startswith("undecodable")

    kept = jsonl(hub.msix("parked", "list", "--state", "TX", "--status", "all").stdout)
    assert {k["state_student_id"]: k["status"] for k in kept} == {"NEWER": "parked"} | {
        k: "rejected" for k in [*BAD, "BAD-BYTES"]
    }


def test_a_parked_record_is_applied_by_a_replay_once_the_hub_reads_its_schema(hub: Hub) -> None:
    tx = as_state(hub, add_state(hub, "TX"))
    with Producer(tx) as producer:
        producer.send(hub.topics.records("TX"), b"LATER-1", b"\xc3\x01" + bytes(range(8)) + b"datum")
    hub.msix("worker", "--until-idle", timeout=180)
    assert [k["status"] for k in jsonl(hub.msix("parked", "list", "--state", "TX").stdout)] == ["parked"]
    # The upgrade: the hub now reads the writer's schema. (Here the kept bytes become what that hub
    # would decode them to: a schema cannot be added to this running package.)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        conn.execute("UPDATE parked_event SET data = %s", (crafted("StudentIdentity", student("LATER-1")),))
    summary = jsonl(hub.msix("parked", "replay", "--state", "TX").stdout)
    assert summary == [{"replayed": 1, "parked": 0, "rejected": 0}]
    assert json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "LATER-1").stdout)["student"]
    again = jsonl(hub.msix("parked", "replay", "--state", "TX").stdout)
    assert again == [{"replayed": 0, "parked": 0, "rejected": 0}]  # nothing is parked any more
    kept = jsonl(hub.msix("parked", "list", "--state", "TX", "--status", "replayed").stdout)
    assert [k["state_student_id"] for k in kept] == ["LATER-1"]
