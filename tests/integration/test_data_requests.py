"""Data requests between states on the real stack (docs/obligations.md): a California counselor asks
Texas through the API; Texas reads the request and answers with its own credentials through Kafka;
the hub's worker records the answer and California sees it. Texas's topics are Texas's alone, and a
request left unanswered past its deadline shows as overdue, escalated, with the clock passed in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub import calendars, requests
from hub.domain import deadlines
from hub.metrics import render
from hub.store import db
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.state_clients import add_user, client, credentials, refused  # noqa: F401 (client: a fixture)
from tests.integration.submissions import student_row, submission
from tests.integration.web.signing import token

pytestmark = pytest.mark.integration


def a_texan(hub: Hub) -> str:
    """A child Texas reported; returns the MSIX id."""
    folder = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")])
    hub.msix("publish", "--state", "TX", str(folder))
    hub.msix("worker", "--until-idle")
    found = hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1", "--json").stdout
    return str(json.loads(found)["msix_id"])


def test_a_request_from_california_answered_by_texas_through_kafka(hub: Hub, client: TestClient) -> None:  # noqa: F811
    msix_id = a_texan(hub)
    tx, ca = credentials(hub, "TX"), credentials(hub, "CA")
    add_user(hub, "carmen", "counselor", "CA")
    carmen = token(client, "carmen")

    asked = client.post(f"/api/students/{msix_id}/requests", headers=carmen,
                        json={"to_state": "TX", "kind": "immunization", "text": "shots since 2024"})  # fmt: skip
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["from_state"], request["to_state"], request["kind"], request["status"]) == (
        "CA", "TX", "immunization", "open")  # fmt: skip
    assert request["requested_by"] == "carmen (counselor, CA)" and request["answered_at"] is None
    # Due by Texas's calendar: the end of its 4th working day after the day it was asked.
    requested_at = datetime.fromisoformat(request["requested_at"])
    rule = calendars.obligation_for("TX", "records_request")
    assert datetime.fromisoformat(request["due_at"]) == deadlines.due_at(calendars.calendar_for("TX"), rule,
                                                                          requested_at)  # fmt: skip
    same_state = client.post(f"/api/students/{msix_id}/requests", headers=carmen,
                             json={"to_state": "CA", "kind": "immunization"})  # fmt: skip
    assert same_state.status_code == 422

    hub.msix("worker", "--until-idle")  # the relay sends it to datarequest.TX
    seen = jsonl(hub.msix("requests", "follow", "--state", "TX", "--until-idle", "--credentials", str(tx)).stdout)
    assert [(r["request_id"], r["msix_id"], r["state_student_id"]) for r in seen] == [
        (request["request_id"], msix_id, "TX-1")]  # fmt: skip
    # California may neither read what is asked of Texas nor answer for it.
    refused(hub.msix("requests", "follow", "--state", "TX", "--until-idle", "--credentials", str(ca), check=False),
            "datarequest.TX")  # fmt: skip
    refused(hub.msix("requests", "answer", request["request_id"], "--state", "TX", "--status", "fulfilled",
                     "--credentials", str(ca), check=False), "state.TX.responses")  # fmt: skip

    garbage(hub, tx)
    hub.msix("requests", "answer", request["request_id"], "--state", "TX", "--status", "partial", "--text",
             "2024 only", "--attachment", "TX-IMM-77", "--by", "registrar", "--credentials", str(tx))  # fmt: skip
    # The response recorder stores the answer; the garbage is skipped (logged by position), not fatal.
    assert hub.msix("worker", "--until-idle").stderr.count("answer skipped") == 2

    listed = client.get("/api/requests", params={"state": "CA"}, headers=carmen)
    assert listed.status_code == 200, listed.text
    [mine] = listed.json()
    assert (mine["request_id"], mine["status"], mine["reason"], mine["attachment"]) == (
        request["request_id"], "partial", "2024 only", "TX-IMM-77")  # fmt: skip
    assert mine["answered_by"] == f"User:{hub.settings.kafka.topic_prefix}state-TX (registrar)"
    assert mine["answered_at"] is not None and mine["overdue"] is False and mine["escalated_to"] is None
    from_cli = json.loads(hub.msix("requests", "list", "--state", "TX", "--json").stdout)
    assert [(r["request_id"], r["status"]) for r in from_cli] == [(request["request_id"], "partial")]
    assert client.get("/api/requests", params={"state": "TX"}, headers=carmen).status_code == 403


def garbage(hub: Hub, tx: Path) -> None:
    """What Texas may write to its own responses topic that answers nothing of Texas's: junk bytes,
    and a well-formed answer to a request never sent to Texas."""
    import schemas
    from hub.domain import data_requests

    settings = hub.settings.kafka.model_copy(update={"credentials": tx})
    stray = data_requests.response_value("no-such-request", "TX", "fulfilled", None, None, "x", datetime.now(UTC))
    with Producer(settings) as producer:
        topic = hub.topics.responses("TX")
        producer.send(topic, b"k", b"\xc3\x01junk")
        producer.send(topic, b"no-such-request", schemas.encode("DataResponse", stray))


def test_an_unanswered_request_is_overdue_and_escalated_by_the_injected_clock(
    hub: Hub,
    client: TestClient,  # noqa: F811
) -> None:
    msix_id = a_texan(hub)
    engine = db.engine(hub.settings.database)
    asked_at = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # a Monday; due the end of Friday 13 in Texas
    with engine.begin() as conn:
        from hub.store import reads

        record = reads.consolidated(conn, msix_id)
        assert record is not None
        made = requests.ask(conn, hub.topics, record, "secondary_transcript", ("CA", "TX"), None, "carmen", asked_at)
    due = datetime.fromisoformat(made["due_at"])
    assert due == datetime(2026, 3, 14, 5, 0, tzinfo=UTC)
    with engine.connect() as conn:
        before = requests.listed(conn, "TX", due - timedelta(seconds=1), "received")
        after = requests.listed(conn, "TX", due, "received", only_overdue=True)
        assert requests.counts(conn, due - timedelta(hours=30)) == {"TX": requests.Counts(1, 1, 0)}
        assert requests.counts(conn, due) == {"TX": requests.Counts(1, 0, 1)}
    assert (before[0]["status"], before[0]["due_soon"], before[0]["escalated_to"]) == ("open", True, None)
    assert [(r["status"], r["escalated_to"]) for r in after] == [("overdue", "state_data_manager (TX)")]
    metrics = render(hub.settings, clock=lambda: due + timedelta(days=1)).decode()
    assert 'msix_state_requests{standing="overdue",state="TX"} 1.0' in metrics

    # Texas's data manager sees it escalated (the API's clock is the real one: March 2026 is past).
    add_user(hub, "tomas", "state_data_manager", "TX")
    shown = client.get("/api/requests", params={"state": "TX", "overdue": "true"}, headers=token(client, "tomas"))
    assert [(r["request_id"], r["status"], r["escalated_to"]) for r in shown.json()] == [
        (made["request_id"], "overdue", "state_data_manager (TX)")]  # fmt: skip
    overdue_cli = json.loads(hub.msix("requests", "list", "--state", "TX", "--overdue", "--json").stdout)
    assert [r["request_id"] for r in overdue_cli] == [made["request_id"]]


def test_the_asked_states_subscriber_hands_each_request_on_once_across_restarts(hub: Hub) -> None:
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    from hub.store import reads
    from producers.admin import admin_client

    msix_id = a_texan(hub)
    tx = credentials(hub, "TX")
    engine = db.engine(hub.settings.database)
    with engine.begin() as conn:
        record = reads.consolidated(conn, msix_id)
        assert record is not None
        for kind in ("immunization", "health_alert"):
            requests.ask(conn, hub.topics, record, kind, ("FL", "TX"), None, "fatima", datetime.now(UTC))
    hub.msix("worker", "--until-idle")
    out = hub.root / "tx-requests.jsonl"
    follow = ("requests", "follow", "--state", "TX", "--until-idle", "--output", str(out), "--credentials", str(tx))
    assert "2 request(s) delivered" in hub.msix(*follow).stderr
    # The group's offsets lost: Kafka hands both over again; the delivered-ids file keeps them out.
    group, topic = hub.topics.state_group_prefix("TX") + "requests", hub.topics.data_requests("TX")
    admin = admin_client(hub.settings.kafka)
    reset = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0, 0)])
    admin.alter_consumer_group_offsets([reset], request_timeout=30)[group].result(timeout=60)
    assert "0 request(s) delivered, 2 already delivered before" in hub.msix(*follow).stderr
    lines = jsonl(out.read_text())
    assert sorted(r["kind"] for r in lines) == ["health_alert", "immunization"]
    assert out.stat().st_mode & 0o777 == 0o600
