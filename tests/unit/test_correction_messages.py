"""Parents' correction requests as messages (hub.domain.correction_messages): each owning state's
CorrectionRequest holds its items only and no parent's name; what a state may answer; what an answer
read from a state's responses topic must be (garbage becomes BadMessage, never another exception);
how an answer changes a part (a decision is final); and the recorder telling the two kinds of answer
on ``state.ST.responses`` apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import schemas
from consumers import response_recorder
from hub.domain import correction_messages as cm
from hub.domain import corrections, data_requests
from hub.domain.state_messages import BadMessage, schema_name
from hub.errors import UserInputError

AT = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
RECORD = {
    "msix_id": "100000000000",
    "student": {"state": "TX", "first_name": "Ana"},
    "state_ids": [{"state": "TX", "state_student_id": "TX-1"}, {"state": "CA", "state_student_id": "CA-9"}],
    "enrollments": [{"state": "TX", "enrollment_id": "E1"}, {"state": "CA", "enrollment_id": "E2"}],
    "courses": [{"state": "CA", "course_id": "C9"}],
    "assessments": [],
}
ROW = {"correction_id": "c-1", "msix_id": "100000000000", "statement": "wrong birth date", "parent_name": "Rosa Ruiz",
       "identified_by": "birth certificate", "received_at": AT, "recorded_by": "marta", "recorded_state": "CA",
       "lang": "es"}  # fmt: skip


def messages() -> dict[str, dict[str, Any]]:
    items = [{"section": "student", "field": "birth_date"}, {"section": "enrollments", "id": "E2"},
             {"section": "courses", "id": "C9"}]  # fmt: skip
    parts = corrections.route(RECORD, items)
    ids = {"CA": ["CA-9"], "TX": ["TX-1"]}
    return {p.state: cm.request_value(ROW, p, AT + timedelta(days=14), ids[p.state]) for p in parts}


def test_each_owning_state_gets_its_own_items_and_no_parents_name() -> None:
    found = messages()
    assert sorted(found) == ["CA", "TX"]
    assert [(i["section"], i["id"], i["field"]) for i in found["TX"]["items"]] == [("student", None, "birth_date")]
    assert [(i["section"], i["id"]) for i in found["CA"]["items"]] == [("enrollments", "E2"), ("courses", "C9")]
    for state, value in found.items():
        assert {i["state"] for i in value["items"]} == {state} and value["state"] == state
        assert "parent_name" not in value and "lang" not in value
        assert "Rosa" not in repr(value)
        name, back = schemas.decode(schemas.encode(cm.REQUEST, value))
        assert name == "CorrectionRequest" and back == value
    assert found["TX"]["state_student_ids"] == ["TX-1"] and found["CA"]["state_student_ids"] == ["CA-9"]


def test_a_part_with_another_states_item_is_never_sent() -> None:
    part = corrections.Part("TX", ({"section": "courses", "id": "C9", "state": "CA"},))
    with pytest.raises(ValueError, match="own state's items"):
        cm.request_value(ROW, part, AT, [])


@pytest.mark.parametrize(
    ("action", "reason", "correction_id", "message"),
    [
        ("approved", None, "c-1", "action 'approved'"),
        ("kept", None, "c-1", "kept needs --reason"),
        ("kept", "   ", "c-1", "kept needs --reason"),
        ("kept", "x" * 501, "c-1", "at most 500"),
        ("removed", "line\nbreak", "c-1", "control characters"),
        ("corrected", None, " ", "a correction id is required"),
        ("corrected", None, "c" * 201, "a correction id is required"),
    ],
)
def test_an_answer_that_cannot_be_sent_is_refused_in_words(action: str, reason: str | None, correction_id: str,
                                                            message: str) -> None:  # fmt: skip
    with pytest.raises(UserInputError, match=message):
        cm.answer_value(correction_id, "TX", action, reason, "User:state-TX", AT)


def test_the_answer_id_is_fixed_by_what_is_answered() -> None:
    one = cm.answer_value("c-1", "TX", "kept", " on file ", "User:state-TX (ana)", AT)
    again = cm.answer_value("c-1", "TX", "kept", "on file", "User:state-TX (luis)", AT + timedelta(hours=1))
    assert one["answer_id"] == again["answer_id"] and one["reason"] == "on file"
    changed = [("c-1", "TX", "kept", "other"), ("c-1", "TX", "removed", None), ("c-1", "CA", "kept", "on file"),
               ("c-2", "TX", "kept", "on file")]  # fmt: skip
    others = [cm.answer_value(cid, st, action, why, "x", AT) for cid, st, action, why in changed]
    assert len({one["answer_id"], *(o["answer_id"] for o in others)}) == 5


def sent(**changes: Any) -> bytes:
    value = cm.answer_value("c-1", "TX", "kept", "on file", "User:state-TX", AT) | changes
    return schemas.encode(cm.ANSWER, value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "undecodable"),
        (b"\xc3\x01junk", "undecodable"),
        (b"not avro at all", "undecodable"),
        (
            schemas.encode("DataResponse", data_requests.response_value("r", "TX", "fulfilled", None, None, "x", AT)),
            "a DataResponse, not a CorrectionAnswer",
        ),
        (sent(state="CA"), "naming another state"),
        (sent(action="approved"), "no known action"),
        (sent(reason=None), "kept without a reason"),
        (sent(reason="  "), "kept without a reason"),
        (sent(reason="x" * 501), "reason is too long"),
        (sent(reason="a\x00b"), "control characters"),
        (sent(correction_id=""), "correction_id is empty"),
        (sent(answer_id="a" * 201), "answer_id is empty, too long"),
        (sent(answered_by="x\ny"), "answered_by is empty, too long"),
    ],
)
def test_garbage_on_a_responses_topic_is_a_bad_message(data: bytes, reason: str) -> None:
    with pytest.raises(BadMessage, match=reason):
        cm.answer(data, "TX")


def test_a_well_formed_answer_is_read_back() -> None:
    got = cm.answer(sent(), "TX")
    assert (got.correction_id, got.state, got.action, got.reason, got.by, got.at) == (
        "c-1", "TX", "kept", "on file", "User:state-TX", AT)  # fmt: skip


def part(ack: bool = False, outcome: str | None = None, reason: str | None = None) -> dict[str, Any]:
    return {"acknowledged_at": AT if ack else None, "outcome": outcome, "reason": reason}


LATER = AT + timedelta(days=1)


@pytest.mark.parametrize(
    ("before", "action", "reason", "changes"),
    [
        (part(), "acknowledged", None, {"acknowledged_at": LATER, "acknowledged_by": "tx"}),
        (part(ack=True), "acknowledged", None, {}),
        (
            part(ack=True),
            "corrected",
            None,
            {"decided_at": LATER, "decided_by": "tx", "outcome": "corrected", "reason": None},
        ),
        (
            part(),
            "kept",
            "on file",
            {
                "acknowledged_at": LATER,
                "acknowledged_by": "tx",
                "decided_at": LATER,
                "decided_by": "tx",
                "outcome": "kept",
                "reason": "on file",
            },
        ),
        (part(ack=True, outcome="kept", reason="on file"), "kept", "on file", {}),  # the same answer again
        (part(ack=True, outcome="removed"), "acknowledged", None, {}),
    ],
)
def test_how_an_answer_changes_a_part(before: dict[str, Any], action: str, reason: str | None,
                                      changes: dict[str, Any]) -> None:  # fmt: skip
    assert corrections.answered(before, action, reason, "tx", LATER) == changes


@pytest.mark.parametrize(("action", "reason"), [("corrected", None), ("kept", "other words"), ("removed", None)])
def test_a_decision_is_final(action: str, reason: str | None) -> None:
    with pytest.raises(corrections.Final, match="decided already"):
        corrections.answered(part(ack=True, outcome="kept", reason="on file"), action, reason, "tx", LATER)


def test_the_recorder_tells_the_two_kinds_of_answer_apart() -> None:
    data = schemas.encode("DataResponse", data_requests.response_value("r-1", "TX", "fulfilled", None, None, "x", AT))
    assert (schema_name(data), schema_name(sent()), schema_name(b"\xc3\x01junk"), schema_name(None)) == (
        "DataResponse", "CorrectionAnswer", None, None)  # fmt: skip
    assert isinstance(response_recorder.parse(data, "TX"), data_requests.Answer)
    assert isinstance(response_recorder.parse(sent(), "TX"), cm.CorrectionAnswer)
    for bad in (b"\xc3\x01junk", sent(state="CA")):
        with pytest.raises(BadMessage):
            response_recorder.parse(bad, "TX")
