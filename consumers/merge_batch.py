"""One batch, one transaction: claim the events, link them to children, merge, detect moves, and
write the effects, the outbox rows and the consumer offsets together.

A batch the database refuses (a value PostgreSQL will not store) is split in halves, each applied
and committed with its own offsets, down to the single events it refuses: those become dead
letters with the database's reason, so one state's bad value never stops every state.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

import structlog

import schemas
from consumers.decoding import DeadLetter, Parked, held_rows
from hub.domain import apply, linking, rejections
from hub.domain.identity import Candidate, IdentityFacts, Matcher, facts_from_fields
from hub.domain.records import Event
from hub.errors import DatabaseRefused
from hub.store.batch.port import BatchStore, BatchUnit, IdAllocator, OutboxRow
from producers.topics import Topics

log = structlog.get_logger(__name__)

Position = tuple[str, int, int]  # (topic, partition, offset) of a consumed message


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

    refused: int = 0  # events the database refused, sent back to their state as dead letters

    def lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[step] = round((now - since) * 1000, 1)
        return now

    def add(self, other: BatchResult) -> None:
        for f in fields(self):
            if f.name != "steps":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        for step, ms in other.steps.items():
            self.steps[step] = round(self.steps.get(step, 0.0) + ms, 1)


def offsets_of(positions: Sequence[Position]) -> dict[tuple[str, int], int]:
    """The next offset to read per partition once these messages are applied."""
    offsets: dict[tuple[str, int], int] = {}
    for topic, partition, offset in positions:
        offsets[(topic, partition)] = max(offsets.get((topic, partition), 0), offset + 1)
    return offsets


def process_splitting(
    store: BatchStore,
    items: Sequence[Event | DeadLetter],
    positions: Sequence[Position],
    group_id: str,
    topics: Topics,
    matcher: Matcher,
    allocate: IdAllocator,
    now: datetime,
) -> BatchResult:
    """``process`` the batch; if the database refuses it, bisect: apply and commit each half (its
    messages come first in each partition, so its offsets are a true checkpoint), down to the single
    events refused, which are dead-lettered. A crash in between resumes from the last half committed.
    ``items`` and ``positions`` run in parallel, in consumption order."""
    total = BatchResult()

    def run(part: Sequence[Event | DeadLetter], where: Sequence[Position]) -> None:
        try:
            total.add(process(store, part, offsets_of(where), group_id, topics, matcher, allocate, now))
        except DatabaseRefused as exc:
            if len(part) > 1:
                mid = len(part) // 2
                run(part[:mid], where[:mid])
                run(part[mid:], where[mid:])
                return
            if isinstance(part[0], DeadLetter):
                raise  # a dead letter is bytes in the outbox: refusing it is a bug, not data
            letter = refused_letter(part[0], where[0], exc, now)
            log.warning("event refused by the database", state=letter.state, topic=where[0][0],
                        partition=where[0][1], offset=where[0][2], sqlstate=exc.sqlstate)  # fmt: skip
            total.add(process(store, [letter], offsets_of(where), group_id, topics, matcher, allocate, now))
            total.refused += 1

    run(items, positions)
    return total


def refused_letter(event: Event, where: Position, exc: DatabaseRefused, now: datetime) -> DeadLetter:
    """The dead letter of an event the database refused: where it was and the database's reason."""
    rejected = rejections.at_hub(event.state, event.state_student_id, where, exc.reason, event.family, None, now)
    return DeadLetter(event.state, rejected.to_value())


def process(
    store: BatchStore,
    items: Sequence[Event | DeadLetter],
    offsets: dict[tuple[str, int], int],
    group_id: str,
    topics: Topics,
    matcher: Matcher,
    allocate: IdAllocator,
    now: datetime,
) -> BatchResult:
    """Apply a batch in one unit of ``store`` and commit. Raises on a database error, leaving nothing
    written: the hub's ``DatabaseRefused`` or ``DatabaseUnavailable`` (the adapter translates)."""
    result = BatchResult()
    # A parked message (a schema the hub does not know yet) is kept, not rejected: it is no dead letter.
    dead = [i for i in items if isinstance(i, DeadLetter) and not isinstance(i, Parked)]
    events = [i for i in items if isinstance(i, Event)]
    # One unit, one transaction: its isolation and locks are the adapter's (batch.postgres).
    t = time.perf_counter()
    with store.unit() as unit:
        seen = unit.claim_events([e.event_id for e in events])
        t = result.lap("claim", t)
        new_events = []
        for e in events:  # also drops a repeat of an event within this batch
            if e.event_id not in seen:
                seen.add(e.event_id)
                new_events.append(e)
        result.events, result.duplicates = len(new_events), len(events) - len(new_events)
        outbox: list[OutboxRow] = [
            (
                topics.rejected(d.state),
                (d.value["state_student_id"] or "").encode(),
                schemas.encode("RejectedRecord", d.value),
            )
            for d in dead
        ]
        result.dead_letters = len(dead)
        if new_events:
            links = _link(unit, new_events, matcher, allocate.bind(unit.draw_serials), now, result)
            t = result.lap("link", t)
            applied = _apply(unit, new_events, links, now)
            t = result.lap("apply", t)
            unit.write_identities(links, matcher, now)
            overtaken = unit.write_records(applied.records)
            t = result.lap("write", t)
            notices = _notices(unit, applied, topics)
            outbox += notices + _identity_changes(unit, links, topics)
            result.stale, result.new_children = applied.stale + overtaken, len(links.new_children)
            result.notices = len(notices)
        # Parked and dead-lettered messages, with their bytes, for `msix parked replay` (hub.store.parked).
        unit.keep_held(held_rows(items))
        unit.enqueue(outbox)
        unit.save_offsets(group_id, offsets)
        t = result.lap("outbox", t)
    result.lap("commit", t)
    return result


def _link(
    unit: BatchUnit,
    events: Sequence[Event],
    matcher: Matcher,
    allocate: IdAllocator,
    now: datetime,
    result: BatchResult,
) -> linking.Links:
    """Link the batch's students to children, matching before the identity locks are taken.

    A batch's new identities are matched against the candidates read without a lock; then the locks
    are taken, and only the identities under a lock key another unit committed under since are
    looked at again. Their candidates are read again, and if one that is new could change a decision
    (``Matcher.bears_on``; most are other children), the batch is linked again with them from the
    first student it bears on (the placements before it are kept): what the lock promises (two
    reports of one child linked at the same moment make one child) holds, and the lock is held from
    here to the commit only, not while the batch is matched.
    """
    keys = {(e.state, e.state_student_id) for e in events}
    known = unit.known_students(keys)
    incoming: dict[IdentityFacts, list[str]] = {}  # each new identity's lock keys
    for e in events:
        if e.family == "student" and (e.state, e.state_student_id) not in known:
            facts = facts_from_fields(e.state, e.state_student_id, e.fields)
            incoming[facts] = matcher.lock_keys(facts)
    if incoming:
        # A link asks more evidence of a report the more children it could be (``crowd_bits``).
        matcher = matcher.for_store(unit.stored_children())
    locks = sorted({k for lock_keys in incoming.values() for k in lock_keys})
    # Within the link step, for the batch's log line: reading candidates, deciding, taking the locks.
    t = time.perf_counter()
    before = unit.identity_versions(locks)
    asking = _asking(incoming, matcher)
    found = unit.candidates(sorted(asking), asking)
    t = result.lap("link_read", t)
    links = linking.link(events, known, _copy(found), matcher, allocate, now)
    t = result.lap("link_decide", t)
    after = unit.lock_identities(locks)
    result.lap("link_lock", t)
    moved = {k for k in locks if after.get(k, 0) != before.get(k, 0)}
    again = [facts for facts, lock_keys in incoming.items() if moved.intersection(lock_keys)]
    if not again:
        return links
    # Read as the first time (each key for the same state), so that ``_fresh`` compares like with like.
    asked_again = {k: asking[k] for facts in again for k in matcher.blocking_keys(facts)}
    fresh = _fresh(found, unit.candidates(sorted(asked_again), asked_again))
    changed = {  # every new identity of the batch, not only those under a moved key: all see ``fresh``
        (facts.state, facts.state_student_id)
        for facts in incoming
        if any(matcher.bears_on(facts, c) for k in matcher.blocking_keys(facts) for c in fresh.get(k, ()))
    }
    if not changed:
        return links
    # Linked again from the first student a new candidate bears on: a placement before it saw the
    # same candidates and the same earlier students of the batch, so it is reused as it was.
    first = next(n for n, e in enumerate(events) if (e.state, e.state_student_id) in changed)
    earlier = {(e.state, e.state_student_id) for e in events[:first]}
    log.info("linking again: another worker linked a candidate meanwhile", identities=len(changed))
    for key, added in fresh.items():
        found[key] = added + found.get(key, [])  # first: ``decide`` keeps the first version of an identity
    reuse = {key: placement for key, placement in links.placed.items() if key in earlier}
    return linking.link(events, known, found, matcher, allocate, now, reuse)


def _asking(incoming: Iterable[IdentityFacts], matcher: Matcher) -> dict[str, str]:
    """Each blocking key of the new identities, and the one state asking for it ("" when several
    do): a state's own identities are never its candidates, so the store leaves them out."""
    asking: dict[str, str] = {}
    for facts in incoming:
        for key in matcher.blocking_keys(facts):
            asking[key] = facts.state if asking.get(key, facts.state) == facts.state else ""
    return asking


def _copy(found: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
    """For ``linking.link``, which adds the batch's own identities to the lists it is given."""
    return {key: list(candidates) for key, candidates in found.items()}


def _fresh(found: dict[str, list[Candidate]], again: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
    """The candidates read ``again`` that were not ``found`` under the same key: identities another
    unit linked, or whose facts it changed, in between."""
    fresh: dict[str, list[Candidate]] = {}
    for key, candidates in again.items():
        before = set(found.get(key, ()))
        added = [c for c in candidates if c not in before]
        if added:
            fresh[key] = added
    return fresh


def _apply(unit: BatchUnit, events: Sequence[Event], links: linking.Links, now: datetime) -> apply.Applied:
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
    children = unit.snapshot_children(touched)  # locked, then read: another worker's commit is in it
    records = {rid: stored for view in children.values() for rid, stored in view.records()}
    return apply.apply(events, links.by_student, records, children, now)


def _notices(unit: BatchUnit, applied: apply.Applied, topics: Topics) -> list[OutboxRow]:
    new_ids = unit.insert_notices(applied.notices)
    return [
        (topics.move_notices(n.to_state), n.msix_id.encode(), schemas.encode("MoveNotice", n.as_value()))
        for n in applied.notices
        if n.notice_id in new_ids
    ]


def _identity_changes(unit: BatchUnit, links: linking.Links, topics: Topics) -> list[OutboxRow]:
    unit.insert_identity_changes(links.changes)
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
