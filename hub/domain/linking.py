"""Linking a batch of events to children: the same state and state id is always the same child;
a state's first report of a student is matched across states by the ``Matcher``.

Pure: what the store knows comes in as arguments, new MSIX ids come from ``allocate``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.identity import Candidate, IdentityFacts, Matcher, facts_from_fields
from hub.domain.records import Event

StudentKey = tuple[str, str]  # (state, state_student_id)


@dataclass(frozen=True, slots=True)
class IdentityChange:
    """An identity event: ``created`` (a new child) or ``linked`` (a state id joined a child)."""

    event_id: str
    kind: str
    msix_id: str
    state: str
    state_student_id: str
    reason: str
    occurred_at: datetime


@dataclass
class Links:
    by_student: dict[StudentKey, str] = field(default_factory=dict)
    new_children: list[str] = field(default_factory=list)
    facts: dict[StudentKey, IdentityFacts] = field(default_factory=dict)  # to store, newest per key
    new_keys: set[StudentKey] = field(default_factory=set)
    changes: list[IdentityChange] = field(default_factory=list)


def link(
    events: Sequence[Event],
    known: dict[StudentKey, str],
    candidates: dict[str, list[Candidate]],
    matcher: Matcher,
    allocate: Callable[[], str],
    now: datetime,
) -> Links:
    links = Links(by_student=dict(known))
    for event in events:
        key = (event.state, event.state_student_id)
        facts = facts_from_fields(*key, event.fields) if event.family == "student" and event.action != "D" else None
        if facts is not None:
            links.facts[key] = facts
        if key in links.by_student:
            continue
        msix_id, change_kind, reason = _place(facts, candidates, matcher, allocate)
        if change_kind == "created":
            links.new_children.append(msix_id)
        links.by_student[key] = msix_id
        links.new_keys.add(key)
        links.changes.append(_change(change_kind, msix_id, key, reason, now))
        if facts is not None:
            for blocking_key in matcher.blocking_keys(facts):
                candidates.setdefault(blocking_key, []).append(Candidate(msix_id, facts))
    return links


def _place(
    facts: IdentityFacts | None,
    candidates: dict[str, list[Candidate]],
    matcher: Matcher,
    allocate: Callable[[], str],
) -> tuple[str, str, str]:
    if facts is None:
        return allocate(), "created", "records arrived before the student's identity"
    found = [c for k in matcher.blocking_keys(facts) for c in candidates.get(k, [])]
    decision = matcher.decide(facts, found)
    reason = "; ".join(decision.reasons)
    if decision.msix_id is not None:
        return decision.msix_id, "linked", reason
    return allocate(), "created", reason


def _change(kind: str, msix_id: str, key: StudentKey, reason: str, now: datetime) -> IdentityChange:
    # Deterministic: a replay of the same link yields the same event id.
    event_id = hashlib.sha256(f"{kind}|{msix_id}|{key[0]}|{key[1]}".encode()).hexdigest()[:32]
    return IdentityChange(event_id, kind, msix_id, key[0], key[1], reason, now)
