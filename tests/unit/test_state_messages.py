"""What a state writes on its own side topics is checked before use: garbage, another schema, or
another state's name is a reason, never an exception out of a reader."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import schemas
from hub.domain import state_messages
from hub.domain.state_messages import BadMessage
from hub.metrics import OTHER_REASONS, top_reasons
from hub.store import receipts

AT = datetime(2025, 9, 15, 10, tzinfo=UTC)


def receipt(**over: object) -> bytes:
    value = {"receipt_id": "r1", "notice_id": "n1", "state": "TX", "kind": "received", "by": "state-TX", "at": AT}
    return schemas.encode("NoticeReceipt", value | over)


def rejection(**over: object) -> bytes:
    value = {"rejection_id": "j1", "state": "TX", "stage": "connector", "reason": "sex 'Q' is not F, M or X",
             "rejected_at": AT}  # fmt: skip
    return schemas.encode("RejectedRecord", value | over)


GARBAGE = [
    None,
    b"",
    b"\xc3",
    b"garbage bytes",
    b"\xc3\x01" + b"\x00" * 8 + b"x",  # an unknown fingerprint
    receipt()[:10] + b"\xff" * 40,  # a known fingerprint, then no datum of it
    receipt()[:20],  # cut short
    receipt() + b"more",  # bytes after the datum
]


@pytest.mark.parametrize("data", GARBAGE)
def test_garbage_is_a_reason(data: bytes | None) -> None:
    with pytest.raises(BadMessage, match="undecodable"):
        state_messages.receipt(data, "TX")
    with pytest.raises(BadMessage, match="undecodable"):
        state_messages.rejection(data, "TX")


def test_a_good_receipt() -> None:
    r = state_messages.receipt(receipt(), "TX")
    assert (r.notice_id, r.kind, r.state, r.by, r.at) == ("n1", "received", "TX", "state-TX", AT)


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"state": "CA"}, "another state"),
        ({"kind": "lost"}, "no known kind"),
        ({"notice_id": ""}, "notice_id"),
        ({"notice_id": "n\x00"}, "notice_id"),  # PostgreSQL refuses NUL in text
        ({"by": "x" * 201}, "by"),
    ],
)
def test_a_receipt_the_hub_cannot_use(over: dict[str, object], reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        state_messages.receipt(receipt(**over), "TX")


def test_another_schema_on_the_topic_is_refused() -> None:
    with pytest.raises(BadMessage, match="not a NoticeReceipt"):
        state_messages.receipt(rejection(), "TX")
    with pytest.raises(BadMessage, match="not a RejectedRecord"):
        state_messages.rejection(receipt(), "TX")


def test_a_rejection_must_name_the_topics_state() -> None:
    assert state_messages.rejection(rejection(), "TX")["reason"].startswith("sex")
    with pytest.raises(BadMessage, match="another state"):
        state_messages.rejection(rejection(state="CA"), "TX")


def test_receipt_kinds_are_the_stores() -> None:
    assert state_messages.RECEIPT_KINDS == receipts.KINDS


def test_metrics_label_at_most_twenty_kinds_of_reason_per_state() -> None:
    day = date(2025, 9, 15)
    counts = {(day, f"reason {i}"): 100 - i for i in range(50)}
    top = top_reasons(counts)
    assert len(top) == 21 and top["reason 0"] == 100
    assert top[OTHER_REASONS] == sum(100 - i for i in range(20, 50))
    assert sum(top.values()) == sum(counts.values())
    assert top_reasons({(day, "a"): 2}) == {"a": 2}
