"""A record too large for Kafka is a rejection with its place and reason, never the end of the
submission: the publish shell checks the bytes it sends, whatever limits the readers check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import schemas
from connectors.items import Accepted, Item, SubmissionSummary
from connectors.mde.reader import open_submission
from connectors.mde.writer import write_submission
from connectors.publish import publish
from hub.config import KafkaSettings
from producers.producer import MESSAGE_MAX_BYTES, MessageTooLarge, Producer
from tests.integration.submissions import enrollment_row, student_row

BIG = "x" * 2_000_000


class Sent(Producer):
    """A producer that keeps what it is given (and refuses what Kafka would, as librdkafka does)."""

    def __init__(self) -> None:
        super().__init__(KafkaSettings(topic_prefix="t."))
        self.sent: list[tuple[str, bytes, dict]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        if not self.fits(key, value):
            raise MessageTooLarge(topic)
        self.sent.append((topic, key, schemas.decode(value)[1]))


class Inflated:
    """An MDE submission whose ``victim``-th record gets ``field`` set to a huge text, as a reader
    without length limits would let through (an Ed-Fi element, a sum of fields)."""

    def __init__(self, inner, victim: int, field: str, key: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.victim, self.field, self.key = inner, victim, field, key
        self.state, self.total_bytes = inner.state, inner.total_bytes

    @property
    def bytes_read(self) -> int:
        return int(self.inner.bytes_read)

    @property
    def summary(self) -> SubmissionSummary:
        return self.inner.summary  # type: ignore[no-any-return]

    def items(self) -> Iterator[Item]:
        for n, item in enumerate(self.inner.items()):
            if n == self.victim and isinstance(item, Accepted):
                item.record[self.field] = BIG
                if self.key:
                    item.key = BIG
            yield item


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_submission(
        tmp_path, "TX", "2025-09-15T10:00:00Z", "test",
        {
            "students.csv": [student_row("TX-1"), student_row("TX-2")],
            "enrollments.csv": [enrollment_row("TX-1", "E1", "2025-08-20"), enrollment_row("TX-2", "E2", "2025-08-20")],
        },
    )  # fmt: skip
    return tmp_path


def test_a_record_too_large_is_rejected_with_file_line_and_reason_and_the_rest_goes_on(folder: Path) -> None:
    producer = Sent()
    summary = publish(
        KafkaSettings(topic_prefix="t."), Inflated(open_submission(folder, "TX"), 2, "comment"), None, producer
    )
    records = [(t, v) for t, _, v in producer.sent if t == "t.state.TX.records"]
    rejected = [v for t, _, v in producer.sent if t == "t.state.TX.rejected"]
    assert len(records) == 3 and len(rejected) == 1
    r = rejected[0]
    assert (r["file"], r["line"], r["column"], r["state_student_id"]) == ("enrollments.csv", 2, "comment", "TX-1")
    assert r["reason"].startswith("record too large for Kafka: ")
    assert f"at most {MESSAGE_MAX_BYTES:,}" in r["reason"] and "comment, 2,000,000 characters" in r["reason"]
    assert BIG[:100] not in r["reason"]
    assert r["record_family"] == "Enrollment" and r["stage"] == "connector"
    by_file = {f.file: (f.accepted, f.rejected) for f in summary.files}
    assert by_file == {"students.csv": (2, 0), "enrollments.csv": (1, 1)}


def test_a_huge_student_id_leaves_its_rejection_small_enough_to_send(folder: Path) -> None:
    producer = Sent()
    publish(
        KafkaSettings(topic_prefix="t."),
        Inflated(open_submission(folder, "TX"), 0, "state_student_id", key=True),
        None,
        producer,
    )
    rejected = [(k, v) for t, k, v in producer.sent if t == "t.state.TX.rejected"]
    assert len(rejected) == 1
    key, r = rejected[0]
    assert key == b"" and r["state_student_id"] is None
    assert (r["file"], r["line"]) == ("students.csv", 2)


def test_the_producer_refuses_what_kafka_would_in_one_line() -> None:
    producer = Producer(KafkaSettings(bootstrap="127.0.0.1:1", topic_prefix="t."), {"log_level": 0})
    with pytest.raises(MessageTooLarge, match=r"t\.x: a message of 2,000,001 bytes; Kafka takes 1,000,000"):
        producer.send("t.x", b"k", BIG.encode())
    assert Producer.fits(b"k", b"v" * 900_000) and not Producer.fits(b"k", b"v" * MESSAGE_MAX_BYTES)
