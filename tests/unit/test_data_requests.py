"""Data requests as values (hub.domain.data_requests): what may be asked, what an answer read from a
state's responses topic must be (garbage becomes BadMessage, never another exception), and how a
request stands at an injected moment (overdue = escalated to the asked state's data manager)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import schemas
from hub import calendars
from hub.domain import data_requests as dr
from hub.domain.state_messages import BadMessage
from hub.errors import UserInputError

AT = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def answer(**changes: Any) -> dict[str, Any]:
    return dr.response_value("req-1", "TX", "fulfilled", None, "TX-DOC-7", "User:state-TX", AT) | changes


@pytest.mark.parametrize(
    ("kind", "route", "text", "message"),
    [
        ("report_card", ("CA", "TX"), None, "kind 'report_card'"),
        ("immunization", ("TX", "TX"), None, "does not ask itself"),
        ("other", ("CA", "TX"), "   ", "kind other needs a text"),
        ("immunization", ("CA", "TX"), "x" * 501, "at most 500"),
        ("immunization", ("CA", "TX"), "line\nbreak", "control characters"),
    ],
)
def test_a_request_that_cannot_be_made_is_refused_in_words(kind: str, route: tuple[str, str], text: str | None,
                                                            message: str) -> None:  # fmt: skip
    with pytest.raises(UserInputError, match=message):
        dr.request_value("r", "123456789012", kind, text, route, "carmen", AT, AT + timedelta(days=5), None)


def test_a_request_round_trips_through_its_schema() -> None:
    value = dr.request_value("r", "123456789012", "other", " the 2025 grades ", ("CA", "TX"), "carmen (counselor, CA)",
                             AT, AT + timedelta(days=5), "TX-1")  # fmt: skip
    assert value["text"] == "the 2025 grades"
    name, back = schemas.decode(schemas.encode("DataRequest", value))
    assert name == "DataRequest" and dr.request_message(schemas.encode("DataRequest", value)) == back
    assert back["due_at"] == AT + timedelta(days=5) and back["state_student_id"] == "TX-1"


def test_an_answer_is_read_back_and_its_id_is_fixed_by_what_it_says() -> None:
    value = answer()
    got = dr.response(schemas.encode("DataResponse", value), "TX")
    assert (got.request_id, got.status, got.attachment, got.at) == ("req-1", "fulfilled", "TX-DOC-7", AT)
    assert value["response_id"] == answer(answered_at=AT + timedelta(hours=1))["response_id"]
    assert value["response_id"] != dr.response_value("req-1", "TX", "partial", None, None, "x", AT)["response_id"]
    with pytest.raises(UserInputError, match="declined needs --text"):
        dr.response_value("req-1", "TX", "declined", " ", None, "x", AT)
    with pytest.raises(UserInputError, match="status 'maybe'"):
        dr.response_value("req-1", "TX", "maybe", None, None, "x", AT)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "undecodable"),
        (b"\xc3\x01" + b"\xff" * 8 + b"junk", "undecodable"),
        (b"\xc3\x01", "undecodable"),
        (
            schemas.encode(
                "NoticeReceipt",
                {"receipt_id": "r", "notice_id": "n", "state": "TX", "kind": "received", "by": "b", "at": AT},
            ),
            "not a DataResponse",
        ),
        (schemas.encode("DataResponse", answer(state="CA")), "another state"),
        (schemas.encode("DataResponse", answer(status="maybe")), "no known status"),
        (schemas.encode("DataResponse", answer(status="declined", reason=None)), "declined without a reason"),
        (schemas.encode("DataResponse", answer(request_id="")), "request_id"),
        (schemas.encode("DataResponse", answer(request_id="r\x00")), "request_id"),
        (schemas.encode("DataResponse", answer(answered_by="b" * 201)), "answered_by"),
        (schemas.encode("DataResponse", answer(attachment="a" * 501)), "attachment"),
        (schemas.encode("DataResponse", answer(reason="why\x00")), "reason"),
    ],
)
def test_what_is_no_answer_of_the_state_is_a_bad_message(data: bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        dr.response(data, "TX")


def test_a_request_escalates_once_overdue_with_the_clock_passed_in() -> None:
    tx = calendars.calendar_for("TX")
    row = {"to_state": "TX", "status": "open", "answered_at": None,
           "due_at": datetime(2026, 3, 14, 5, 0, tzinfo=UTC)}  # fmt: skip  # the end of Friday March 13 in Texas
    early = dr.status(row, tx, datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert early == {"status": "open", "overdue": False, "due_soon": False, "answered_late": False,
                     "escalated_to": None}  # fmt: skip
    assert dr.status(row, tx, datetime(2026, 3, 12, 15, 0, tzinfo=UTC))["due_soon"] is True
    late = dr.status(row, tx, row["due_at"])
    assert late["status"] == "overdue" and late["escalated_to"] == "state_data_manager (TX)"
    answered = row | {"status": "partial", "answered_at": row["due_at"] + timedelta(hours=2)}
    after = dr.status(answered, tx, row["due_at"] + timedelta(days=3))
    assert after == {"status": "partial", "overdue": False, "due_soon": False, "answered_late": True,
                     "escalated_to": None}  # fmt: skip


def test_a_states_principal_may_read_the_requests_made_of_it_and_answer_them_only() -> None:
    from producers import acls
    from producers.topics import Topics

    topics = Topics("t.")
    names = {(b.name, b.operation.name) for b in acls.state_bindings("state-TX", topics, "TX")}
    assert ("t.datarequest.TX", "READ") in names and ("t.state.TX.responses", "WRITE") in names
    assert not any("CA" in name for name, _ in names)
    assert {"t.datarequest.CA", "t.state.CA.responses"} <= {s.name for s in topics.specs(("TX", "CA"))}
