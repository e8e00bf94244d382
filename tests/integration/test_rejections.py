"""Bad input never disappears: bad rows are rejected with their place and reason, a submission
whose manifest disagrees is refused whole, and a poison message is dead-lettered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import schemas
from producers.producer import Producer
from tests.integration.conftest import Hub, jsonl
from tests.integration.kafka_peek import message_count
from tests.integration.submissions import enrollment_row, student_row, submission


def test_bad_rows_are_rejected_with_file_line_column_and_reason(hub: Hub) -> None:
    folder = submission(
        hub.root,
        "tx",
        "TX",
        "2025-09-15T10:00:00Z",
        students=[student_row("TX-1"), student_row("TX-2", birth="2010-02-30"), student_row("TX-3", sex="Q")],
        enrollments=[
            enrollment_row("TX-1", "E1", "2025-08-20"),
            enrollment_row("TX-1", "E2", "2025-08-21", grade="13"),
        ],
    )
    published = hub.msix("publish", "--state", "TX", str(folder))
    assert "2 rows published, 3 rejected" in published.stderr
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    assert sorted((r["file"], r["line"], r["column"], r["state_student_id"]) for r in rejected) == [
        ("enrollments.csv", 3, "grade_level", "TX-1"),
        ("students.csv", 3, "birth_date", "TX-2"),
        ("students.csv", 4, "sex", "TX-3"),
    ]
    assert all(r["stage"] == "connector" and r["reason"] for r in rejected)
    record = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1").stdout)
    assert [e["enrollment_id"] for e in record["enrollments"]] == ["E1"]  # the rest went on
    missing = hub.msix("student", "find", "--state", "TX", "--state-id", "TX-2", check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_manifest_that_disagrees_refuses_the_whole_submission(hub: Hub) -> None:
    folder = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")])
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["counts"]["students.csv"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = hub.msix("publish", "--state", "TX", str(folder), check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "students.csv" in proc.stderr and "Traceback" not in proc.stderr
    assert message_count(hub.settings.kafka, hub.topics.records("TX")) == 0
    assert message_count(hub.settings.kafka, hub.topics.rejected("TX")) == 0


def test_poison_messages_are_dead_lettered_and_the_rest_processed(hub: Hub) -> None:
    good = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")])
    now = datetime(2025, 9, 15, tzinfo=UTC)
    impostor = {  # a California record on Texas's topic
        "event_id": "0" * 32,
        "action": "I",
        "state": "CA",
        "state_student_id": "CA-9",
        "source_ts": now,
        "submission_id": "x",
        "enrollment_id": "E9",
    }
    with Producer(hub.settings.kafka) as producer:
        topic = hub.topics.records("TX")
        producer.send(topic, b"TX-666", b"not avro at all")
        producer.send(topic, b"CA-9", schemas.encode("Enrollment", impostor))
    hub.msix("publish", "--state", "TX", str(good))
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle").stdout)
    reasons = sorted(r["reason"] for r in rejected)
    assert len(reasons) == 2 and all(r["stage"] == "hub" for r in rejected)
    assert reasons[0].startswith("record of state CA on the topic of state TX")
    assert reasons[1].startswith("undecodable")
    assert {r["source_offset"] for r in rejected} == {0, 1} or len({r["source_partition"] for r in rejected}) > 1
    assert json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1").stdout)["student"]
