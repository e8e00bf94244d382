"""A parent's request to correct or remove items of their child's record (34 CFR 200.85(e)): which
items, routed to the state that submitted each; each state's part decided within the
``parent_correction`` time frame. Pure: the record, the items and the clock come in.

An item names where it is in the consolidated record: ``{"section": "student"}`` with a ``field``,
or ``{"section": "enrollments"|"courses"|"assessments", "id": <its id>}`` (optionally a ``field``),
and the ``state`` that sent it (each list item and the student section carry theirs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.deadlines import Calendar, Standing, standing

SECTIONS = {"student": None, "enrollments": "enrollment_id", "courses": "course_id", "assessments": "assessment_id"}
OUTCOMES = ("corrected", "removed", "kept")
MAX_TEXT = 1000


@dataclass(frozen=True)
class Part:
    state: str
    items: tuple[Mapping[str, str], ...]


def _owner(record: Mapping[str, Any], item: Mapping[str, str]) -> str:
    """The state that sent the item, as the record shows it; ValueError when it is not in the record."""
    section = item.get("section", "")
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    if section == "student":
        if not item.get("field"):
            raise ValueError("a student item names its field")
        states = {s["state"] for s in record.get("state_ids", [])}
        wanted = item.get("state") or record.get("student", {}).get("state", "")
        if wanted not in states:
            raise ValueError(f"{wanted or 'no state'} sent no record of this child")
        return str(wanted)
    key = SECTIONS[section]
    found = [e for e in record.get(section, []) if str(e.get(key)) == str(item.get("id"))]
    if item.get("state"):
        found = [e for e in found if e.get("state") == item["state"]]
    if not found:
        raise ValueError(f"no {section[:-1]} {item.get('id')!r} in this child's record")
    return str(found[0]["state"])


def route(record: Mapping[str, Any], items: Sequence[Mapping[str, str]]) -> list[Part]:
    """One part per state owning a disputed item, in state order."""
    if not items:
        raise ValueError("name at least one item of the record")
    by_state: dict[str, list[Mapping[str, str]]] = {}
    for item in items:
        owner = _owner(record, item)
        by_state.setdefault(owner, []).append({**item, "state": owner})
    return [Part(st, tuple(by_state[st])) for st in sorted(by_state)]


def check_text(name: str, value: str, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise ValueError(f"{name} is required")
    if len(text) > MAX_TEXT or any(c not in "\n\t" and not c.isprintable() for c in text):
        raise ValueError(f"{name}: at most {MAX_TEXT} characters, no control characters")
    return text


def check_decision(outcome: str, reason: str | None) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if outcome == "kept" and not (reason or "").strip():
        raise ValueError("a record kept as it is needs the reason, for the parent's letter")


def part_standing(calendar: Calendar, due: datetime, decided_at: datetime | None, now: datetime) -> Standing:
    return standing(calendar, due, decided_at, now)


def closed(parts: Sequence[Mapping[str, Any]]) -> bool:
    """A request is closed once every state's part is decided."""
    return all(p.get("outcome") for p in parts)


class Final(ValueError):
    """The part was decided otherwise before: a decision is final."""


def answered(part: Mapping[str, Any], action: str, reason: str | None, by: str, at: datetime) -> dict[str, Any]:
    """The columns of ``part`` that the state's answer sets (``action``: ``acknowledged`` or an
    outcome): none when nothing changes (an acknowledgement of a part already acknowledged, the same
    decision again); ``Final`` for another decision of a decided part. Deciding acknowledges too."""
    if part["outcome"] is not None:
        if action == "acknowledged" or (action, reason) == (part["outcome"], part["reason"]):
            return {}
        raise Final(f"decided already ({part['outcome']})")
    ack = {} if part["acknowledged_at"] is not None else {"acknowledged_at": at, "acknowledged_by": by}
    if action == "acknowledged":
        return ack
    return {**ack, "decided_at": at, "decided_by": by, "outcome": action, "reason": reason}
