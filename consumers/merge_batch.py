"""One batch, one transaction: claim the events, link them to children, merge, detect moves, and
write the effects, the outbox rows and the consumer offsets together."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

import schemas
from consumers.decoding import DeadLetter
from hub.domain import apply, linking
from hub.domain.identity import Matcher, facts_from_fields
from hub.domain.records import Event
from hub.store import effects, identity_match, snapshot
from producers.topics import Topics


@dataclass
class BatchResult:
    events: int = 0
    duplicates: int = 0
    stale: int = 0
    dead_letters: int = 0
    new_children: int = 0
    notices: int = 0
    # Milliseconds spent in each step, for the canonical log line.
    steps: dict[str, float] = field(default_factory=dict)

    def lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[step] = round((now - since) * 1000, 1)
        return now


def process(
    conn: psycopg.Connection,
    items: Sequence[Event | DeadLetter],
    offsets: dict[tuple[str, int], int],
    group_id: str,
    topics: Topics,
    matcher: Matcher,
    allocate: effects.IdAllocator,
    now: datetime,
) -> BatchResult:
    """Apply a batch and commit. Raises on a database error, leaving nothing written."""
    result = BatchResult()
    dead = [i for i in items if isinstance(i, DeadLetter)]
    events = [i for i in items if isinstance(i, Event)]
    # READ COMMITTED is enough: one child's records from one state arrive on one partition, which
    # one worker owns at a time, and the primary keys settle the races that remain (two workers
    # claiming one event id, or making one notice).
    t = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        seen = effects.claim_events(cur, [e.event_id for e in events])
        t = result.lap("claim", t)
        new_events = []
        for e in events:  # also drops a repeat of an event within this batch
            if e.event_id not in seen:
                seen.add(e.event_id)
                new_events.append(e)
        result.events, result.duplicates = len(new_events), len(events) - len(new_events)
        outbox: list[effects.OutboxRow] = [
            (
                topics.rejected(d.state),
                (d.value["state_student_id"] or "").encode(),
                schemas.encode("RejectedRecord", d.value),
            )
            for d in dead
        ]
        result.dead_letters = len(dead)
        if new_events:
            links = _link(cur, new_events, matcher, allocate.bind(cur), now)
            t = result.lap("link", t)
            applied = _apply(cur, new_events, links, now)
            t = result.lap("apply", t)
            effects.write_identities(cur, links, matcher)
            identity_match.write_blocks(cur, links, matcher)
            identity_match.open_worklist(cur, links, now)
            overtaken = effects.write_records(cur, applied.records)
            t = result.lap("write", t)
            notices = _notices(cur, applied, topics)
            outbox += notices + _identity_changes(cur, links, topics)
            result.stale, result.new_children = applied.stale + overtaken, len(links.new_children)
            result.notices = len(notices)
        effects.enqueue(cur, outbox)
        effects.save_offsets(cur, group_id, offsets)
        t = result.lap("outbox", t)
    result.lap("commit", t)
    return result


def _link(
    cur: psycopg.Cursor,
    events: Sequence[Event],
    matcher: Matcher,
    allocate: effects.IdAllocator,
    now: datetime,
) -> linking.Links:
    keys = {(e.state, e.state_student_id) for e in events}
    known = snapshot.known_students(cur, keys)
    blocking: set[str] = set()
    locks: set[str] = set()
    for e in events:
        if e.family == "student" and (e.state, e.state_student_id) not in known:
            facts = facts_from_fields(e.state, e.state_student_id, e.fields)
            blocking.update(matcher.blocking_keys(facts))
            locks.update(matcher.lock_keys(facts))
    effects.lock_identities(cur, sorted(locks))
    found = identity_match.candidates(cur, sorted(blocking))
    return linking.link(events, known, found, matcher, allocate, now)


def _apply(cur: psycopg.Cursor, events: Sequence[Event], links: linking.Links, now: datetime) -> apply.Applied:
    # Student and enrollment records come with their child's view, which move detection reads anyway;
    # courses and assessments are merged against the store by the upsert itself (last writer wins
    # there too), so they are never read. A child created in this batch has nothing stored.
    new_children = set(links.new_children)
    touched = sorted(
        {
            msix_id
            for e in events
            if e.family in apply.CHILD_VIEW_FAMILIES
            and (msix_id := links.by_student[(e.state, e.state_student_id)]) not in new_children
        }
    )
    children = snapshot.children(cur, touched) if touched else {}
    records = {rid: stored for view in children.values() for rid, stored in view.records()}
    return apply.apply(events, links.by_student, records, children, now)


def _notices(cur: psycopg.Cursor, applied: apply.Applied, topics: Topics) -> list[effects.OutboxRow]:
    new_ids = effects.insert_notices(cur, applied.notices)
    return [
        (topics.move_notices(n.to_state), n.msix_id.encode(), schemas.encode("MoveNotice", n.as_value()))
        for n in applied.notices
        if n.notice_id in new_ids
    ]


def _identity_changes(cur: psycopg.Cursor, links: linking.Links, topics: Topics) -> list[effects.OutboxRow]:
    effects.insert_identity_changes(cur, links.changes)
    return [
        (
            topics.identity,
            c.msix_id.encode(),
            schemas.encode(
                "IdentityEvent",
                {
                    "event_id": c.event_id,
                    "kind": c.kind,
                    "msix_id": c.msix_id,
                    "state": c.state,
                    "state_student_id": c.state_student_id,
                    "other_msix_id": None,
                    "reason": c.reason,
                    "occurred_at": c.occurred_at,
                },
            ),
        )
        for c in links.changes
    ]
