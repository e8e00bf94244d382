"""Data requests between states and their answers, as values: what a request may say, the
DataRequest the hub sends, the DataResponse a state sends back, and how a request stands. Pure: ids
and the clock come in as arguments.

A state writes its own ``state.ST.responses``, so anything may arrive there; ``response`` turns what
cannot be an answer of ST's into ``BadMessage`` (skipped and counted by the recorder, never raised
further), as ``hub.domain.state_messages`` does for the other side topics.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain import deadlines
from hub.domain.deadlines import Calendar
from hub.domain.state_messages import BadMessage, decode
from hub.errors import UserInputError

KINDS = ("secondary_transcript", "immunization", "health_alert", "enrollment_verification", "other")
ANSWERS = ("fulfilled", "partial", "no_record", "declined")
OPEN, OVERDUE = "open", "overdue"
MAX_TEXT = 500  # a request's text, an answer's reason or attachment reference
MAX_NAME = 200  # who asked or answered, a response id
ESCALATED_TO = "state_data_manager"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RESPONSE_NAMESPACE = uuid.UUID("0c8f5f3e-2b7d-4f55-9a1e-4d6f3b8a2c71")


def text_ok(value: str, limit: int) -> bool:
    """Within ``limit`` characters and without control characters (NUL cannot even be stored)."""
    return len(value) <= limit and not _CONTROL.search(value)


def check_ask(kind: str, from_state: str, to_state: str, text: str | None) -> str | None:
    """The request's text, blank made None; ``UserInputError`` naming what is wrong."""
    if kind not in KINDS:
        raise UserInputError(f"kind {kind!r}: one of {', '.join(KINDS)}")
    if to_state == from_state:
        raise UserInputError(f"a state does not ask itself: from and to are both {to_state}")
    text = text.strip() if text else None
    if text is not None and not text_ok(text, MAX_TEXT):
        raise UserInputError(f"text: at most {MAX_TEXT} characters, no control characters (line breaks included)")
    if kind == "other" and not text:
        raise UserInputError("kind other needs a text saying what is asked")
    return text or None


def request_value(
    request_id: str,
    msix_id: str,
    kind: str,
    text: str | None,
    route: tuple[str, str],
    requested_by: str,
    requested_at: datetime,
    due_at: datetime,
    state_student_id: str | None,
) -> dict[str, Any]:
    """The DataRequest value (schemas/data_request.avsc); ``route`` is (from_state, to_state)."""
    from_state, to_state = route
    return {
        "request_id": request_id,
        "msix_id": msix_id,
        "kind": kind,
        "text": check_ask(kind, from_state, to_state, text),
        "from_state": from_state,
        "to_state": to_state,
        "requested_by": requested_by[:MAX_NAME],
        "requested_at": requested_at,
        "due_at": due_at,
        "state_student_id": state_student_id,
    }


def response_value(
    request_id: str, state: str, status: str, text: str | None, attachment: str | None, by: str, at: datetime
) -> dict[str, Any]:
    """The DataResponse value a state sends; its id is fixed by request, status and text, so
    sending the same answer twice is harmless."""
    if status not in ANSWERS:
        raise UserInputError(f"status {status!r}: one of {', '.join(ANSWERS)}")
    text, attachment = (text or "").strip() or None, (attachment or "").strip() or None
    if status == "declined" and not text:
        raise UserInputError("declined needs --text saying why")
    for name, value in (("text", text), ("attachment", attachment)):
        if value is not None and not text_ok(value, MAX_TEXT):
            raise UserInputError(f"{name}: at most {MAX_TEXT} characters, no control characters")
    if not request_id.strip() or not text_ok(request_id, MAX_NAME):
        raise UserInputError("a request id is required (at most 200 characters)")
    response_id = str(uuid.uuid5(RESPONSE_NAMESPACE, f"{request_id}/{status}/{text or ''}/{attachment or ''}"))
    return {"response_id": response_id, "request_id": request_id, "state": state, "status": status,
            "reason": text, "attachment": attachment, "answered_by": by[:MAX_NAME], "answered_at": at}  # fmt: skip


@dataclass(frozen=True)
class Answer:
    response_id: str
    request_id: str
    state: str
    status: str
    reason: str | None
    attachment: str | None
    by: str
    at: datetime


def response(data: bytes | None, state: str) -> Answer:
    """An answer from ``state.ST.responses``: it must be ST's and a well-formed answer (the store then
    takes it only for a request that was sent to ST)."""
    value = decode(data, "DataResponse")
    if value.get("state") != state:
        raise BadMessage("an answer naming another state")
    if value.get("status") not in ANSWERS:
        raise BadMessage("an answer of no known status")
    for name in ("response_id", "request_id", "answered_by"):
        if not isinstance(value.get(name), str) or not value[name] or not text_ok(value[name], MAX_NAME):
            raise BadMessage(f"an answer whose {name} is empty, too long or not text")
    for name in ("reason", "attachment"):
        if value.get(name) is not None and not text_ok(value[name], MAX_TEXT):
            raise BadMessage(f"an answer whose {name} is too long or holds control characters")
    if value["status"] == "declined" and not (value.get("reason") or "").strip():
        raise BadMessage("declined without a reason")
    at = value.get("answered_at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise BadMessage("an answer without a time")
    return Answer(value["response_id"], value["request_id"], state, value["status"], value.get("reason"),
                  value.get("attachment"), value["answered_by"], at)  # fmt: skip


def request_message(data: bytes | None) -> dict[str, Any]:
    """A DataRequest read back from ``datarequest.ST`` (the hub writes it; checked all the same)."""
    value = decode(data, "DataRequest")
    if not isinstance(value.get("request_id"), str):
        raise BadMessage("a request without an id")
    return value


def status(row: dict[str, Any], calendar: Calendar, now: datetime) -> dict[str, Any]:
    """How a stored request stands at ``now``: its answer, or open / overdue (escalated to the asked
    state's data manager) / due soon."""
    standing = deadlines.standing(calendar, row["due_at"], row["answered_at"], now)
    overdue = standing == "overdue"
    answered = row["answered_at"]
    return {
        "status": row["status"] if answered else (OVERDUE if overdue else OPEN),
        "overdue": overdue,
        "due_soon": standing == "due_soon",
        "answered_late": answered is not None and answered >= row["due_at"],
        "escalated_to": f"{ESCALATED_TO} ({row['to_state']})" if overdue else None,
    }
