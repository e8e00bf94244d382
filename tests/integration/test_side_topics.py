"""Garbage a state writes, with its own credentials, to its own side topics (``state.ST.rejected``
and ``movenotice.ST.acks``) is skipped and counted by every reader: /metrics and every state's
dashboard still answer with the right figures, the receipts recorder still records good receipts,
and nothing one state writes counts for another."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import schemas
from hub.api.app import create_app
from hub.config import KafkaSettings, WebSettings
from hub.store import db
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.submissions import student_row, submission

PASSWORD = "correct horse battery"
AT = datetime(2025, 9, 16, 8, tzinfo=UTC)


def add_state(hub: Hub, state: str) -> KafkaSettings:
    hub.msix("states", "add", state)
    path = hub.root / f"{state}.properties"
    hub.msix("states", "credentials", state, "--output", str(path))
    return hub.settings.kafka.model_copy(update={"credentials": path})


def add_admin(hub: Hub) -> None:
    args = [sys.executable, "-m", "hub", "users", "add", "root", "--role", "admin", "--password-stdin"]
    done = subprocess.run(args, input=PASSWORD + "\n", env=hub.env(), capture_output=True, text=True, cwd=hub.root)
    assert done.returncode == 0, done.stderr


def rejection(state: str, ssid: str) -> bytes:
    return schemas.encode(
        "RejectedRecord",
        {"rejection_id": uuid.uuid4().hex, "state": state, "state_student_id": ssid, "stage": "connector",
         "reason": "forged", "rejected_at": AT},
    )  # fmt: skip


def receipt(state: str, notice_id: str, kind: str = "acknowledged") -> bytes:
    return schemas.encode(
        "NoticeReceipt",
        {"receipt_id": uuid.uuid4().hex, "notice_id": notice_id, "state": state, "kind": kind, "by": "tx-office",
         "at": AT},
    )  # fmt: skip


def load(hub: Hub, root: Path) -> None:
    """CA sends a child to TX (a notice to TX); FL and TX each have one row rejected."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for state, rows in (
        ("CA", [student_row("CA-1", move_to_state="TX")]),
        ("FL", [student_row("FL-1"), student_row("FL-BAD", sex="Q")]),
        ("TX", [student_row("TX-1"), student_row("TX-BAD", sex="Q")]),
    ):
        hub.msix("publish", "--state", state, str(submission(root, state.lower(), state, now, students=rows)))
    hub.msix("worker", "--until-idle")


@pytest.fixture
def loaded(hub: Hub) -> Iterator[tuple[Hub, str]]:
    tx = add_state(hub, "TX")
    load(hub, hub.root)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        (notice_id,) = conn.execute("SELECT notice_id FROM move_notice WHERE to_state = 'TX'").fetchone()
    garbage = [b"garbage", b"\xc3\x01" + b"\x00" * 3, receipt("TX", notice_id)[:14]]
    with Producer(tx) as producer:
        for value in (*garbage, rejection("CA", "CA-1"), receipt("TX", notice_id)):
            producer.send(hub.topics.rejected("TX"), b"k", value)
        for value in (
            *garbage,
            rejection("TX", "TX-1"),  # another schema
            receipt("CA", notice_id),  # naming another state
            receipt("TX", notice_id + "\x00"),  # text PostgreSQL refuses: it failed the whole batch
            receipt("TX", "not-a-notice-to-tx"),  # for a notice never sent to TX: not recorded
            receipt("TX", notice_id),  # the good one
        ):
            producer.send(hub.topics.notice_acks("TX"), b"k", value)
    yield hub, notice_id


def test_garbage_on_a_states_side_topics_breaks_no_reader(loaded: tuple[Hub, str]) -> None:
    hub, notice_id = loaded
    hub.msix("worker", "--until-idle")  # the receipts recorder reads TX's acks
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        stored = conn.execute("SELECT notice_id, kind, state FROM notice_receipt").fetchall()
    assert stored == [(notice_id, "acknowledged", "TX")]

    # TX reads its own rejections: its real one, the garbage skipped.
    tx_creds = str(hub.root / "TX.properties")
    printed = hub.msix("rejected", "--state", "TX", "--until-idle", "--credentials", tx_creds)
    assert "TX-BAD" in {r["state_student_id"] for r in jsonl(printed.stdout)}
    assert "message skipped" in printed.stderr

    add_admin(hub)
    app = create_app(db.engine(hub.settings.database), WebSettings(cookie_secure=False), hub.settings.as_operator())
    with TestClient(app) as client:
        token = client.post("/api/token", data={"username": "root", "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        answer = client.get("/metrics")
        assert answer.status_code == 200, answer.text
        m = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text)
            for s in family.samples
        }
        rejected = {
            dict(labels)["state"]: v for (name, labels), v in m.items() if name == "msix_state_rejections_last_7d"
        }
        assert rejected == {"FL": 1, "TX": 1}  # the forged CA rejection on TX's topic counts for nobody
        assert m[("msix_state_rejected_topic_skipped_7d", (("state", "TX"),))] == 5
        assert m[("msix_state_rejected_topic_skipped_7d", (("state", "FL"),))] == 0
        assert m[("msix_outbox_parked", ())] == 0
        for state, rows, skipped in (("FL", ["FL-BAD"], 0), ("CA", [], 0), ("TX", ["TX-BAD"], 5)):
            page = client.get(f"/api/states/{state}/dashboard", headers=auth)
            assert page.status_code == 200, page.text
            f = page.json()
            assert f["kafka_error"] is None
            assert [r["state_student_id"] for r in f["rejections"]["latest"]] == rows
            assert f["rejections"]["skipped"] == skipped
            assert f["outbox_parked"] == {"state": 0, "all": 0}
        sign_in(client)
        page = client.get("/dashboard/TX")
        assert page.status_code == 200 and "5 message(s) on TX" in page.text and "could not send" in page.text


def sign_in(client: TestClient) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    done = client.post("/login", data={"username": "root", "password": PASSWORD, "csrf": csrf.group(1)})
    assert done.status_code in {200, 303}
