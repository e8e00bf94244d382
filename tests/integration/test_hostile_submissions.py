"""A state's submission is hostile until checked, end to end on the real Kafka: a manifest from the
future (or otherwise not one) publishes nothing; an Ed-Fi file with a DOCTYPE is refused while the
other files publish; a row too large for Kafka is a rejection with its reason while the rest lands."""

from __future__ import annotations

import json
import shutil

import pytest

from connectors.mde.reader import open_submission
from connectors.publish import publish
from tests.integration.conftest import Hub, jsonl
from tests.integration.kafka_peek import message_count
from tests.integration.submissions import enrollment_row, student_row, submission
from tests.unit.edfi_helpers import TX, edit
from tests.unit.test_publish_too_large import Inflated

TX_AT = "2025-10-01T10:00:00Z"
DOCTYPE = '<!DOCTYPE InterchangeStudentTranscript [ <!ENTITY g "A"> ]>\n'


@pytest.mark.parametrize(
    "manifest",
    [
        {"submitted_at": "2999-01-01T00:00:00Z"},
        {"submitted_at": "9999-12-31T23:59:59-05:00"},
        {"counts": {"students.csv": [[[[1]]]]}},
    ],
    ids=["future", "overflow", "wrong-type"],
)
def test_a_manifest_that_is_not_right_publishes_nothing(hub: Hub, manifest: dict) -> None:
    folder = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")])
    (folder / "manifest.json").write_text(json.dumps(json.loads((folder / "manifest.json").read_text()) | manifest))
    proc = hub.msix("publish", "--state", "TX", str(folder), check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert message_count(hub.settings.kafka, hub.topics.records("TX")) == 0
    assert message_count(hub.settings.kafka, hub.topics.rejected("TX")) == 0


def test_a_deeply_nested_manifest_is_one_line(hub: Hub) -> None:
    folder = submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-1")])
    (folder / "manifest.json").write_text("[" * 20_000 + "]" * 20_000)
    proc = hub.msix("publish", "--state", "TX", str(folder), check=False)
    assert proc.returncode == 2 and proc.stderr == "msix: manifest.json: nested too deeply\n"


@pytest.mark.parametrize("how", [[], ["--read-ahead"]], ids=["in-place", "read-ahead"])
def test_an_ed_fi_file_with_a_doctype_is_refused_while_the_others_publish(hub: Hub, how: list[str]) -> None:
    folder = hub.root / "tx"
    shutil.copytree(TX, folder)
    edit(
        folder / "Interchange-StudentTranscript.xml",
        "<InterchangeStudentTranscript",
        DOCTYPE + "<InterchangeStudentTranscript",
    )
    edit(folder / "Interchange-StudentTranscript.xml", "<FinalLetterGradeEarned>", "<FinalLetterGradeEarned>&g;")
    out = hub.msix("publish", "--state", "TX", "--format", "edfi", "--submitted-at", TX_AT, *how, str(folder)).stderr
    assert "5 elements published, 1 rejected" in out, out
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    assert [(r["file"], r["line"], r["reason"].split(" (")[0]) for r in rejected] == [
        ("Interchange-StudentTranscript.xml", 1, "a DOCTYPE is not allowed in an Ed-Fi file")
    ]
    record = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1001").stdout)
    assert record["courses"] == [] and len(record["enrollments"]) == 1 and len(record["assessments"]) == 1


def test_a_student_id_of_two_megabytes_is_rejected_and_the_rest_lands(hub: Hub) -> None:
    folder = hub.root / "tx"
    shutil.copytree(TX, folder)
    huge = "9" * 2_000_000
    edit(
        folder / "Interchange-Student.xml",
        "<StudentUniqueId>TX-1002</StudentUniqueId>",
        f"<StudentUniqueId>{huge}</StudentUniqueId>",
    )
    proc = hub.msix("publish", "--state", "TX", "--format", "edfi", "--submitted-at", TX_AT, str(folder), check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    student = [r for r in rejected if r["file"] == "Interchange-Student.xml"]
    # Refused by the row model's length limit (its path), or else by the shell's size check (the field).
    assert [r["line"] for r in student] == [19]
    assert student[0]["column"] in ("/InterchangeStudent/Student[2]/StudentUniqueId", "state_student_id")
    assert student[0]["state_student_id"] is None and "state_student_id" in student[0]["reason"]
    record = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1001").stdout)
    assert len(record["courses"]) == 2 and len(record["enrollments"]) == 1  # the other child's records landed


def test_a_record_too_large_for_kafka_is_rejected_and_the_rest_lands(hub: Hub) -> None:
    """Past every reader's limits (a sum of fields, an Ed-Fi element): the shell's own check, on
    the real broker."""
    folder = submission(
        hub.root, "tx", "TX", "2025-09-15T10:00:00Z",
        students=[student_row("TX-1"), student_row("TX-2")],
        enrollments=[enrollment_row("TX-1", "E1", "2025-08-20"), enrollment_row("TX-2", "E2", "2025-08-20")],
    )  # fmt: skip
    summary = publish(hub.settings.kafka, Inflated(open_submission(folder, "TX"), 3, "school_name"))
    assert (summary.accepted, summary.rejected) == (3, 1)
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    assert [(r["file"], r["line"], r["column"], r["state_student_id"]) for r in rejected] == [
        ("enrollments.csv", 3, "school_name", "TX-2")
    ]
    assert rejected[0]["reason"].startswith("record too large for Kafka: ")
    two = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-2").stdout)
    assert two["enrollments"] == [] and two["student"]["first_name"] == "José"
    one = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1").stdout)
    assert [e["enrollment_id"] for e in one["enrollments"]] == ["E1"]
