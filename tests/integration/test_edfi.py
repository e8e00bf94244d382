"""States whose systems speak Ed-Fi, end to end on the real Kafka and PostgreSQL: a Texas submission
in Ed-Fi 5.2 and a Michigan one in 6.1 make one consolidated record and a move notice; bad elements
come back as rejections with file, line, element path and reason; republishing changes nothing."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import confluent_kafka
from confluent_kafka import TopicPartition

import schemas
from connectors.edfi.reader import open_submission
from connectors.publish import publish_shared
from hub.config import KafkaSettings
from hub.synthetic import build_world
from hub.synthetic.edfi import write_edfi
from producers.admin import apply_topics
from producers.client_config import client_config
from producers.topics import Topics
from tests.integration.conftest import Hub, jsonl
from tests.unit.edfi_helpers import MI, TX, edit

TX_AT = "2025-10-01T10:00:00Z"
MI_AT = "2025-10-20T10:00:00Z"


def publish(hub: Hub, state: str, folder: Path, at: str, *more: str) -> str:
    return hub.msix("publish", "--state", state, "--format", "edfi", "--submitted-at", at, *more, str(folder)).stderr


def test_ed_fi_files_become_one_consolidated_record_and_a_move_notice(hub: Hub) -> None:
    out = publish(hub, "TX", TX, TX_AT)
    assert "7 elements published, 0 rejected" in out
    publish(hub, "MI", MI, MI_AT)
    hub.msix("worker", "--until-idle")

    record = json.loads(hub.msix("student", "find", "--state", "MI", "--state-id", "MI-77", "--json").stdout)
    assert record["state_ids"] == [
        {"state": "MI", "state_student_id": "MI-77"},
        {"state": "TX", "state_student_id": "TX-1001"},
    ]
    assert [(e["state"], e["school_name"], e["grade_level"]) for e in record["enrollments"]] == [
        ("TX", "Weslaco High School", "10"),
        ("MI", "Holland High School", "10"),
    ]
    assert sorted((c["course_title"], c["credits_granted"]) for c in record["courses"]) == [
        ("Algebra I", 1.0),
        ("Composition I", 0.99),
    ]
    assert [(a["title"], a["type"], a["score"]) for a in record["assessments"]] == [
        ("STAAR Algebra I End-of-Course", "03", "4012")
    ]
    notices = jsonl(
        hub.msix("notices", "follow", "--state", "MI", "--from-beginning", "--until-idle", "--jsonl").stdout
    )
    assert [(n["kind"], n["from_state"], n["to_state"], n["to_city"]) for n in notices] == [
        ("arrival", "TX", "MI", "Holland")
    ]
    sister = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", "TX-1002", "--json").stdout)
    assert (sister["student"]["sex"], sister["enrollments"][0]["withdrawal_date"]) == ("F", "2025-10-03")


def test_bad_elements_are_rejected_and_republishing_changes_nothing(hub: Hub) -> None:
    folder = hub.root / "tx"
    shutil.copytree(TX, folder)
    edit(folder / "Interchange-StudentEnrollment.xml", "Descriptor#Seventh grade", "Descriptor#Grade Seven")
    edit(folder / "Interchange-StudentTranscript.xml", "<StudentUniqueId>TX-1001</StudentUniqueId>",
         "<StudentUniqueId>TX-4040</StudentUniqueId>")  # fmt: skip
    (folder / "Interchange-StudentAssessment.xml").write_text(
        '<InterchangeStudentAssessment xmlns="http://ed-fi.org/5.2.0"><StudentAssessment>'
    )
    out = publish(hub, "TX", folder, TX_AT)
    assert "4 elements published, 3 rejected" in out
    hub.msix("worker", "--until-idle")
    rejected = jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)
    assert sorted((r["file"], r["line"], r["column"], r["state_student_id"]) for r in rejected) == [
        ("Interchange-StudentAssessment.xml", 1, None, None),
        ("Interchange-StudentEnrollment.xml", 9,
         "/InterchangeStudentEnrollment/StudentSchoolAssociation[2]/EntryGradeLevel", "TX-1002"),
        ("Interchange-StudentTranscript.xml", 3,
         "/InterchangeStudentTranscript/CourseTranscript[1]/StudentAcademicRecordReference/"
         "StudentAcademicRecordIdentity/StudentReference/StudentIdentity/StudentUniqueId", "TX-4040"),
    ]  # fmt: skip
    reasons = sorted(r["reason"] for r in rejected)
    assert reasons[0].startswith("EntryGradeLevel 'Grade Seven' maps to no code")
    assert reasons[1].startswith("malformed XML")
    assert reasons[2] == "student 'TX-4040' is defined by no Student element of this submission"

    before = hub.msix("export", "--jsonl").stdout
    # Again, in two processes (each its share of the children): the same events, so nothing changes.
    assert publish(hub, "TX", folder, TX_AT, "--processes", "2") == out
    # And parsed in a second process (see connectors/edfi/readahead.py).
    assert publish(hub, "TX", folder, TX_AT, "--read-ahead") == out
    assert "0 events applied" in hub.msix("worker", "--until-idle").stderr
    assert hub.msix("export", "--jsonl").stdout == before
    assert len(jsonl(hub.msix("rejected", "--state", "TX", "--until-idle", "--jsonl").stdout)) == 3


def test_user_mistakes_are_one_line_and_exit_2(hub: Hub) -> None:
    empty = hub.root / "empty"
    empty.mkdir()
    for args in (
        ("publish", "--state", "TX", "--format", "edfi", str(empty)),
        ("publish", "--state", "TX", "--format", "edfi", "--submitted-at", "yesterday", str(TX)),
        ("publish", "--state", "TX", "--format", "mde", "--submitted-at", TX_AT, str(TX)),
    ):
        proc = hub.msix(*args, check=False)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def _messages(kafka: KafkaSettings, topic: str) -> list[tuple[int, bytes, bytes]]:
    """(partition, key, value) of every message of ``topic``, in order within each partition."""
    consumer = confluent_kafka.Consumer(
        client_config(kafka) | {"group.id": f"check-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        out: list[tuple[int, bytes, bytes]] = []
        while len(out) < sum(ends.values()):
            msg = consumer.poll(10)
            assert msg is not None and msg.error() is None, msg and msg.error()
            out.append((msg.partition(), msg.key(), msg.value()))
        return out
    finally:
        consumer.close()


def test_two_processes_or_reading_ahead_publish_exactly_what_one_does(hub: Hub) -> None:
    world = build_world(seed=23, children=80, states=("TX",), school_year_start=2025)
    folder = write_edfi(world, hub.root / "synthetic")["TX"]
    for name, old, new in (
        ("Interchange-StudentEnrollment.xml", "GradeLevelDescriptor#", "GradeLevelDescriptor#Grade "),  # unmapped
        ("Interchange-StudentTranscript.xml", "<StudentUniqueId>", "<StudentUniqueId>X"),  # no such child
        ("Interchange-StudentAssessment.xml", "</StudentAssessment>", "</StudentAsessment>"),  # malformed
    ):
        edit(folder / name, old, new, count=3)
    seen = {}
    for run, processes, read_ahead in (("one", 1, False), ("two", 2, False), ("ahead", 1, True)):
        prefix = f"{hub.settings.kafka.topic_prefix}{run}."
        kafka = hub.settings.kafka.model_copy(update={"topic_prefix": prefix})
        topics = Topics(kafka.topic_prefix)
        apply_topics(kafka, topics.specs(("TX",)))
        summary = publish_shared(kafka, open_submission(folder, "TX").reading_ahead(read_ahead), processes)
        seen[run] = (
            [(f.file, f.accepted, f.rejected, f.folded, f.skipped) for f in summary.files],
            _messages(kafka, topics.records("TX")),
            _messages(kafka, topics.rejected("TX")),
        )
    # The very same messages, in the same order on each partition (a stable sort by partition).
    for one, ahead in zip(seen["one"][1:], seen["ahead"][1:], strict=True):
        assert sorted(ahead, key=lambda m: m[0]) == sorted(one, key=lambda m: m[0])
    assert seen["ahead"][0] == seen["one"][0]
    (counts, records, rejections), (counts2, records2, rejections2) = seen["one"], seen["two"]
    assert counts2 == counts and sum(c[2] for c in counts) >= 5 and sum(c[1] for c in counts) > 300
    assert sorted(rejections2) == sorted(rejections)
    assert sorted(records2) == sorted(records)
    # Each child's records in the same order on their partition: their Student record first.
    by_key: dict[bytes, list[tuple[int, bytes]]] = {}
    for n, got in enumerate((records, records2)):
        keyed: dict[bytes, list[tuple[int, bytes]]] = {}
        for partition, key, value in got:
            keyed.setdefault(key, []).append((partition, value))
        if n == 0:
            by_key = keyed
        else:
            assert keyed == by_key
    assert all(schemas.decode(values[0][1])[0] == "StudentIdentity" for values in by_key.values())
