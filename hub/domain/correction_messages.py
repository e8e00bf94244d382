"""A parent's correction request as messages between the hub and a state: the CorrectionRequest the
hub sends to each owning state on ``datarequest.ST`` and the CorrectionAnswer a state writes to
``state.ST.responses``. Pure: ids and the clock come in as arguments.

A state writes its own responses topic, so anything may arrive there; ``answer`` turns what cannot
be an answer of ST's into ``BadMessage`` (skipped and counted by the recorder, never raised further),
as ``hub.domain.state_messages`` does for the other side topics.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.corrections import OUTCOMES, Part
from hub.domain.data_requests import MAX_NAME, text_ok
from hub.domain.state_messages import BadMessage, decode
from hub.errors import UserInputError

ACKNOWLEDGED = "acknowledged"
ACTIONS = (ACKNOWLEDGED, *OUTCOMES)
MAX_REASON = 500  # a reason travels in the parent's letter: a paragraph, not a file
REQUEST, ANSWER = "CorrectionRequest", "CorrectionAnswer"
ANSWER_NAMESPACE = uuid.UUID("6b1d7e52-93c4-4c0e-8f5a-2e7d9c41a0b3")


def request_value(
    correction: Mapping[str, Any], part: Part, due_at: datetime, state_ids: Iterable[str]
) -> dict[str, Any]:
    """The CorrectionRequest for one owning state's ``part`` of the ``correction`` row
    (``correction_id, msix_id, statement, identified_by, received_at, recorded_by,
    recorded_state``); ``state_ids``: that state's own ids for the child.

    The parent's name stays at the hub: the hub writes the letter to the parent, and the state decides
    on its items with the record, the statement and how the parent was identified. Least data wins."""
    if any(item.get("state") != part.state for item in part.items):
        raise ValueError("a part holds only its own state's items")  # route() guarantees it
    items = [{"section": i["section"], "id": i.get("id"), "field": i.get("field"), "state": part.state}
             for i in part.items]  # fmt: skip
    keep = ("correction_id", "msix_id", "statement", "identified_by", "received_at", "recorded_state")
    return {**{k: correction[k] for k in keep}, "recorded_by": str(correction["recorded_by"])[:MAX_NAME],
            "state": part.state, "state_student_ids": sorted(set(state_ids)), "items": items,
            "due_at": due_at}  # fmt: skip


def answer_value(
    correction_id: str, state: str, action: str, reason: str | None, by: str, at: datetime
) -> dict[str, Any]:
    """The CorrectionAnswer a state sends; its id is fixed by correction, state, action and reason,
    so sending the same answer twice is harmless. ``UserInputError`` names what is wrong."""
    if action not in ACTIONS:
        raise UserInputError(f"action {action!r}: one of {', '.join(ACTIONS)}")
    reason = (reason or "").strip() or None
    if action == "kept" and not reason:
        raise UserInputError("kept needs --reason saying why: it goes into the parent's letter")
    if reason is not None and not text_ok(reason, MAX_REASON):
        raise UserInputError(f"reason: at most {MAX_REASON} characters, no control characters (line breaks included)")
    if not correction_id.strip() or not text_ok(correction_id, MAX_NAME):
        raise UserInputError("a correction id is required (at most 200 characters)")
    answer_id = str(uuid.uuid5(ANSWER_NAMESPACE, f"{correction_id}/{state}/{action}/{reason or ''}"))
    return {"answer_id": answer_id, "correction_id": correction_id, "state": state, "action": action,
            "reason": reason, "answered_by": by[:MAX_NAME], "answered_at": at}  # fmt: skip


@dataclass(frozen=True)
class CorrectionAnswer:
    answer_id: str
    correction_id: str
    state: str
    action: str
    reason: str | None
    by: str
    at: datetime


def answer(data: bytes | None, state: str) -> CorrectionAnswer:
    """A CorrectionAnswer from ``state.ST.responses``: it must name ST and be well formed (the store
    then takes it only for a correction with a part for ST)."""
    value = decode(data, ANSWER)
    if value.get("state") != state:
        raise BadMessage("a correction answer naming another state")
    if value.get("action") not in ACTIONS:
        raise BadMessage("a correction answer of no known action")
    for name in ("answer_id", "correction_id", "answered_by"):
        if not isinstance(value.get(name), str) or not value[name] or not text_ok(value[name], MAX_NAME):
            raise BadMessage(f"a correction answer whose {name} is empty, too long or not text")
    reason = value.get("reason")
    if reason is not None and (not isinstance(reason, str) or not text_ok(reason, MAX_REASON)):
        raise BadMessage("a correction answer whose reason is too long or holds control characters")
    if value["action"] == "kept" and not (reason or "").strip():
        raise BadMessage("kept without a reason")
    at = value.get("answered_at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise BadMessage("a correction answer without a time")
    return CorrectionAnswer(value["answer_id"], value["correction_id"], state, value["action"],
                            (reason or "").strip() or None, value["answered_by"], at)  # fmt: skip
