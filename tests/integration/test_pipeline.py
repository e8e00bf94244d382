"""The exchange end to end on the real Kafka and PostgreSQL: states publish, the worker merges,
people read consolidated records and destination states read their move notices."""

from __future__ import annotations

import json

from tests.integration.conftest import Hub, jsonl
from tests.integration.submissions import course_row, enrollment_row, student_row, submission


def texas_and_michigan(hub: Hub):
    texas = submission(
        hub.root,
        "tx1",
        "TX",
        "2025-09-15T10:00:00Z",
        students=[student_row("TX-1001")],
        enrollments=[enrollment_row("TX-1001", "TX-E1", "2025-08-20")],  # left open when the child leaves
        courses=[course_row("TX-1001", "ALG1")],
    )
    michigan = submission(
        hub.root,
        "mi1",
        "MI",
        "2025-10-20T10:00:00Z",
        students=[student_row("MI-77", first="Jose", last1="Ramirez")],  # MI drops the accents
        enrollments=[enrollment_row("MI-77", "MI-E9", "2025-10-06", city="Holland")],
    )
    return texas, michigan


def test_whole_pipeline_consolidates_one_child_and_notifies_the_destination(hub: Hub) -> None:
    texas, michigan = texas_and_michigan(hub)
    hub.msix("publish", "--state", "TX", "--format", "mde", str(texas))
    hub.msix("publish", "--state", "MI", "--format", "mde", str(michigan))
    hub.msix("worker", "--until-idle")

    record = json.loads(hub.msix("student", "find", "--state", "MI", "--state-id", "MI-77", "--json").stdout)
    assert len(record["msix_id"]) == 12
    assert record["state_ids"] == [
        {"state": "MI", "state_student_id": "MI-77"},
        {"state": "TX", "state_student_id": "TX-1001"},
    ]
    assert [(e["state"], e["enrollment_id"]) for e in record["enrollments"]] == [
        ("TX", "TX-E1"),
        ("MI", "MI-E9"),
    ]
    assert record["courses"][0]["course_title"] == "Algebra I" and record["courses"][0]["credits_granted"] == 1.0
    assert record["student"]["state"] == "MI"  # the newest identity report
    same = json.loads(hub.msix("student", "show", record["msix_id"], "--json").stdout)
    assert same == record

    notices = jsonl(
        hub.msix("notices", "follow", "--state", "MI", "--from-beginning", "--until-idle", "--jsonl").stdout
    )
    assert [(n["kind"], n["from_state"], n["to_state"], n["to_city"], n["move_date"]) for n in notices] == [
        ("arrival", "TX", "MI", "Holland", "2025-10-06")
    ]
    assert (
        notices[0]["msix_id"] == record["msix_id"] and notices[0]["first_name"] == "Jose"
    )  # as the newest report spells it
    assert record["moves"][0]["notice_id"] == notices[0]["notice_id"]

    exported = jsonl(hub.msix("export", "--jsonl").stdout)
    assert exported == [record]
    assert jsonl(hub.msix("export", "--jsonl", "--state", "CA").stdout) == []


def test_republishing_changes_nothing(hub: Hub) -> None:
    texas, michigan = texas_and_michigan(hub)
    for folder, st in ((texas, "TX"), (michigan, "MI")):
        hub.msix("publish", "--state", st, str(folder))
    hub.msix("worker", "--until-idle")
    before = hub.msix("export", "--jsonl").stdout
    for folder, st in ((texas, "TX"), (michigan, "MI")):
        hub.msix("publish", "--state", st, str(folder))
    worker = hub.msix("worker", "--until-idle")
    print(worker.stderr)
    assert "0 events applied" in worker.stderr
    assert hub.msix("export", "--jsonl").stdout == before
    notices = jsonl(hub.msix("notices", "follow", "--state", "MI", "--from-beginning", "--until-idle").stdout)
    assert len(notices) == 1


def test_update_and_delete_in_a_later_submission(hub: Hub) -> None:
    first = submission(
        hub.root,
        "tx1",
        "TX",
        "2025-09-15T10:00:00Z",
        students=[student_row("TX-1")],
        enrollments=[enrollment_row("TX-1", "E1", "2025-08-20")],
        courses=[course_row("TX-1", "ALG1"), course_row("TX-1", "BIO", title="Biology", subject="03")],
    )
    later = submission(
        hub.root,
        "tx2",
        "TX",
        "2025-12-19T10:00:00Z",
        enrollments=[enrollment_row("TX-1", "E1", "2025-08-20", end="2025-12-18", action="U", grade="10")],
        courses=[{"action": "D", "state_student_id": "TX-1", "course_id": "BIO"}],
    )
    hub.msix("publish", "--state", "TX", str(first))
    hub.msix("worker", "--until-idle")
    hub.msix("publish", "--state", "TX", str(later))
    hub.msix("worker", "--until-idle")
    record = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1").stdout)
    assert [e["withdrawal_date"] for e in record["enrollments"]] == ["2025-12-18"]
    assert [c["course_id"] for c in record["courses"]] == ["ALG1"]
    # The older submission, replayed after the newer one, does not undo it.
    hub.msix("publish", "--state", "TX", str(first))
    hub.msix("worker", "--until-idle")
    assert json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1").stdout) == record
