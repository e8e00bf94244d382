"""A parent's correction travels to the owning states through Kafka and back, on the real stack
(docs/obligations.md, "Corrections through Kafka"): a California liaison records a parent's request
about a child whose records came from Texas and California; each state's ``msix corrections follow``,
with its own credentials, gets only its own part (and ``msix requests follow`` only data requests);
each answers with ``msix corrections answer``; the worker records the answers and the request is
closed. Junk, an answer naming another state and a second decision on a state's responses topic are
skipped, and the recorder goes on. Texas can neither read California's part nor answer for it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import schemas
from hub.domain import correction_messages
from hub.store import db
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.state_clients import add_user, client, credentials, refused  # noqa: F401 (client: a fixture)
from tests.integration.submissions import enrollment_row, student_row, submission
from tests.integration.web.signing import token

pytestmark = pytest.mark.integration
STATEMENT = "She was born on 14 March, and never went to that school in Fresno."


def a_child_of_texas_and_california(hub: Hub) -> str:
    """Texas reports the child, California reports her under the same MSIX id; returns it."""
    tx = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")],
                    enrollments=[enrollment_row("TX-1", "TX-E1", "2025-08-20", "2025-10-01")])  # fmt: skip
    hub.msix("publish", "--state", "TX", str(tx))
    hub.msix("worker", "--until-idle")
    msix_id = str(
        json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1", "--json").stdout)["msix_id"]
    )
    ca = submission(hub.root, "ca", "CA", "2025-10-20T10:00:00Z", students=[student_row("CA-7", msix_id=msix_id)],
                    enrollments=[enrollment_row("CA-7", "CA-E1", "2025-10-06", city="Fresno")])  # fmt: skip
    hub.msix("publish", "--state", "CA", str(ca))
    hub.msix("worker", "--until-idle")
    record = json.loads(hub.msix("student", "show", msix_id, "--json").stdout)
    assert sorted(i["state"] for i in record["state_ids"]) == ["CA", "TX"]
    return msix_id


def record_correction(hub: Hub, msix_id: str) -> dict[str, object]:
    items = [{"section": "student", "field": "birth_date", "state": "TX"},
             {"section": "enrollments", "id": "TX-E1", "field": "withdrawal_date"},
             {"section": "enrollments", "id": "CA-E1"}]  # fmt: skip
    made = hub.msix("corrections", "record", msix_id, "--items", json.dumps(items), "--parent", "Rosa Ramírez",
                    "--identified-by", "birth certificate shown", "--statement", STATEMENT, "--by", "marta",
                    "--state", "CA", "--lang", "es")  # fmt: skip
    found: dict[str, object] = json.loads(made.stdout)
    return found


def follow(hub: Hub, what: str, state: str, creds: Path) -> list[dict[str, object]]:
    return jsonl(hub.msix(what, "follow", "--state", state, "--until-idle", "--credentials", str(creds)).stdout)


def test_a_parents_correction_travels_to_each_owning_state_and_back(hub: Hub, client: TestClient) -> None:  # noqa: F811
    msix_id = a_child_of_texas_and_california(hub)
    tx, ca = credentials(hub, "TX"), credentials(hub, "CA")
    correction = record_correction(hub, msix_id)
    cid = str(correction["correction_id"])
    assert [p["state"] for p in correction["parts"]] == ["CA", "TX"]  # type: ignore[attr-defined]
    # Committed with the correction's rows: one CorrectionRequest a part, waiting for the relay.
    with db.engine(hub.settings.database).connect() as conn:
        queued = conn.execute(text("SELECT topic FROM outbox WHERE key = :k ORDER BY topic"), {"k": cid.encode()})
        assert list(queued.scalars()) == [hub.topics.data_requests("CA"), hub.topics.data_requests("TX")]
    hub.msix("requests", "ask", msix_id, "--from", "CA", "--to", "TX", "--kind", "immunization")
    hub.msix("worker", "--until-idle")  # the relay sends both parts, and the data request

    # Each state reads its own part only, with its own credentials; the parent's name stays at the hub.
    [tx_part] = follow(hub, "corrections", "TX", tx)
    [ca_part] = follow(hub, "corrections", "CA", ca)
    assert (tx_part["correction_id"], tx_part["state"], tx_part["state_student_ids"]) == (cid, "TX", ["TX-1"])
    assert [(i["section"], i["id"], i["field"], i["state"]) for i in tx_part["items"]] == [  # type: ignore[attr-defined]
        ("student", None, "birth_date", "TX"), ("enrollments", "TX-E1", "withdrawal_date", "TX")]  # fmt: skip
    assert [(i["id"], i["state"]) for i in ca_part["items"]] == [("CA-E1", "CA")]  # type: ignore[attr-defined]
    assert (ca_part["statement"], ca_part["recorded_by"], ca_part["recorded_state"]) == (STATEMENT, "marta", "CA")
    assert "Rosa" not in json.dumps([tx_part, ca_part]) and "parent_name" not in tx_part
    # The data request on the same topic is the requests follower's only; its output is as before.
    [asked] = follow(hub, "requests", "TX", tx)
    assert asked["kind"] == "immunization" and "correction_id" not in asked and set(asked) >= {"request_id", "to_state"}
    # Texas may neither read California's part nor answer for California.
    refused(hub.msix("corrections", "follow", "--state", "CA", "--until-idle", "--credentials", str(tx), check=False),
            "datarequest.CA")  # fmt: skip
    refused(hub.msix("corrections", "answer", cid, "--state", "CA", "--action", "removed", "--credentials", str(tx),
                     check=False), "state.CA.responses")  # fmt: skip

    garbage(hub, tx, cid)
    answer = ("corrections", "answer", cid)
    hub.msix(*answer, "--state", "TX", "--action", "acknowledged", "--by", "ana", "--credentials", str(tx))
    assert hub.msix("worker", "--until-idle").stderr.count("answer skipped") == 2  # the junk, the other state's
    [seen] = json.loads(hub.msix("corrections", "list", "--state", "TX").stdout)
    tx_row = next(p for p in seen["parts"] if p["state"] == "TX")
    assert tx_row["acknowledged_by"] == f"User:{hub.settings.kafka.topic_prefix}state-TX (ana)"
    assert tx_row["outcome"] is None and seen["status"] == "open"

    kept = hub.msix(*answer, "--state", "CA", "--action", "kept", "--credentials", str(ca), check=False)
    assert kept.returncode == 2 and kept.stderr.count("\n") == 1 and "--reason" in kept.stderr  # the letter needs it
    reason = "Our attendance record shows her at Fresno High from 6 October."
    hub.msix(*answer, "--state", "TX", "--action", "corrected", "--by", "ana", "--credentials", str(tx))
    hub.msix(*answer, "--state", "CA", "--action", "kept", "--reason", reason, "--credentials", str(ca))
    hub.msix(*answer, "--state", "CA", "--action", "removed", "--credentials", str(ca))  # a second decision
    hub.msix(*answer, "--state", "TX", "--action", "corrected", "--by", "ana", "--credentials", str(tx))  # a repeat
    worker = hub.msix("worker", "--until-idle").stderr
    assert worker.count("answer skipped") == 1 and "a decision is final" in worker

    add_user(hub, "carla", "state_data_manager", "CA")
    listed = client.get("/api/corrections", params={"state": "CA"}, headers=token(client, "carla"))
    assert listed.status_code == 200, listed.text
    [closed] = listed.json()
    assert (closed["correction_id"], closed["status"]) == (cid, "closed")
    outcomes = {p["state"]: (p["outcome"], p["reason"], p["acknowledged_at"] is not None) for p in closed["parts"]}
    assert outcomes == {"TX": ("corrected", None, True), "CA": ("kept", reason, True)}
    from_cli = json.loads(hub.msix("corrections", "list", "--state", "TX").stdout)
    assert [(c["correction_id"], c["status"]) for c in from_cli] == [(cid, "closed")]


def garbage(hub: Hub, tx: Path, cid: str) -> None:
    """What Texas may write to its own responses topic that answers nothing of Texas's: junk bytes,
    and a well-formed answer naming California."""
    settings = hub.settings.kafka.model_copy(update={"credentials": tx})
    stray = correction_messages.answer_value(cid, "CA", "removed", None, "x", datetime.now(UTC))
    with Producer(settings) as producer:
        topic = hub.topics.responses("TX")
        producer.send(topic, b"k", b"\xc3\x01junk")
        producer.send(topic, cid.encode(), schemas.encode(correction_messages.ANSWER, stray))
