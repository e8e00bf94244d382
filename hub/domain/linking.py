"""Linking a batch of events to children: the same state and state id is always the same child;
a state's first report of a student is matched across states by the ``Matcher``: linked to a child,
or a new child, provisional when it is a near match (a worklist item for a data admin).

Pure: what the store knows comes in as arguments, new MSIX ids come from ``allocate``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.identity import Candidate, IdentityFacts, MatchDecision, Matcher, NearMatch, facts_from_fields
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


@dataclass(frozen=True, slots=True)
class NearMatchItem:
    """A new, provisional child that may be one of ``candidates``: a worklist item."""

    msix_id: str
    state: str
    state_student_id: str
    score: float
    reasons: tuple[str, ...]
    candidates: tuple[NearMatch, ...]


@dataclass
class Links:
    by_student: dict[StudentKey, str] = field(default_factory=dict)
    new_children: list[str] = field(default_factory=list)
    facts: dict[StudentKey, IdentityFacts] = field(default_factory=dict)  # to store, newest per key
    new_keys: set[StudentKey] = field(default_factory=set)
    changes: list[IdentityChange] = field(default_factory=list)
    near: list[NearMatchItem] = field(default_factory=list)
    # Each student placed by this call, in event order: (MSIX id, change kind, decision).
    placed: dict[StudentKey, Placement] = field(default_factory=dict)


Placement = tuple[str, str, MatchDecision]


def link(
    events: Sequence[Event],
    known: dict[StudentKey, str],
    candidates: dict[str, list[Candidate]],
    matcher: Matcher,
    allocate: Callable[[], str],
    now: datetime,
    reuse: dict[StudentKey, Placement] | None = None,
) -> Links:
    """``reuse``: placements an earlier call made that hold again as they were (the merge links a
    batch again from its first student whose candidates changed: the ones before are reused)."""
    links = Links(by_student=dict(known))
    reuse = reuse or {}
    for event in events:
        key = (event.state, event.state_student_id)
        facts = facts_from_fields(*key, event.fields) if event.family == "student" and event.action != "D" else None
        if facts is not None:
            links.facts[key] = facts
        if key in links.by_student:
            continue
        placement = reuse.get(key) or _place(facts, candidates, matcher, allocate)
        links.placed[key] = placement
        msix_id, change_kind, decision = placement
        reason = "; ".join(decision.reasons)
        if change_kind == "created":
            links.new_children.append(msix_id)
            if decision.near:
                links.near.append(NearMatchItem(msix_id, *key, decision.score or 0.0, decision.reasons, decision.near))
        links.by_student[key] = msix_id
        links.new_keys.add(key)
        links.changes.append(_change(change_kind, msix_id, key, reason, now))
        if facts is not None:
            for blocking_key in matcher.blocking_keys(facts):
                candidates.setdefault(blocking_key, []).append(Candidate(msix_id, facts))
    return links


_NO_FACTS = MatchDecision(None, ("records arrived before the student's identity",))


def _place(
    facts: IdentityFacts | None,
    candidates: dict[str, list[Candidate]],
    matcher: Matcher,
    allocate: Callable[[], str],
) -> tuple[str, str, MatchDecision]:
    if facts is None:
        return allocate(), "created", _NO_FACTS
    found = [c for k in matcher.blocking_keys(facts) for c in candidates.get(k, [])]
    decision = matcher.decide(facts, found)
    if decision.msix_id is not None:
        return decision.msix_id, "linked", decision
    return allocate(), "created", decision


def _change(kind: str, msix_id: str, key: StudentKey, reason: str, now: datetime) -> IdentityChange:
    # Deterministic: a replay of the same link yields the same event id.
    event_id = hashlib.sha256(f"{kind}|{msix_id}|{key[0]}|{key[1]}".encode()).hexdigest()[:32]
    return IdentityChange(event_id, kind, msix_id, key[0], key[1], reason, now)
