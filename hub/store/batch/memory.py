"""The batch protocol in memory: dictionaries, no I/O, the PostgreSQL adapter's semantics, for testing
the merge without a database.

A unit works on a copy of the tables and replaces them when it ends without an error; a unit that
raises leaves them as they were. Units run one at a time (a lock held for the whole unit), which is
stronger than the database's row and advisory locks, so ``lock_identities`` only moves the keys'
versions (which then never move between a unit's read and its lock).
Serials, like a PostgreSQL sequence, are never given back.

Values round-trip as the database's do (fields through JSON: decimals come back as floats, dates as
dates). Two of PostgreSQL's refusals are modelled, as ``DatabaseRefused`` with PostgreSQL's
SQLSTATE, so the merge's split can be tested here too: text holding a NUL byte (22P05), and a key
over a B-tree entry's limit (54000; PostgreSQL may compress a key under it, this model does not).
A second identity change or child under one id is refused as a unique violation (23505).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import orjson

from hub.domain.apply import CHILD_VIEW_FAMILIES, ChildView, RecordId
from hub.domain.identity import Candidate, IdentityFacts, Matcher
from hub.domain.linking import IdentityChange, Links, NearMatchItem, StudentKey
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.domain.records import fields_from_json, to_json
from hub.errors import DatabaseRefused
from hub.identity.features import CROWDED, PER_KEY
from hub.store.batch.port import BatchStore, HeldRow, Offsets, OutboxRow

BTREE_LIMIT = 2704  # bytes: PostgreSQL's largest B-tree entry on 8 kB pages
_NO_FACTS = IdentityFacts("", "", "", "", "", None, "", False)


@dataclass
class Tables:
    """What a committed unit leaves: the tables the batch protocol writes."""

    processed: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)
    identities: dict[StudentKey, tuple[str, IdentityFacts]] = field(default_factory=dict)
    blocks: dict[str, set[StudentKey]] = field(default_factory=dict)  # blocking key -> identities
    worklist: dict[StudentKey, NearMatchItem] = field(default_factory=dict)
    records: dict[RecordId, Stored] = field(default_factory=dict)
    notices: dict[str, Notice] = field(default_factory=dict)
    identity_events: dict[str, IdentityChange] = field(default_factory=dict)
    held: dict[tuple[str, int, int], HeldRow] = field(default_factory=dict)  # position -> row
    outbox: list[OutboxRow] = field(default_factory=list)
    offsets: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (group, topic, partition)
    lock_versions: dict[str, int] = field(default_factory=dict)  # identity lock key -> version

    def copy(self) -> Tables:
        """A copy a unit may change: containers copied, values (frozen) shared."""
        return Tables(
            set(self.processed),
            set(self.children),
            dict(self.identities),
            {k: set(v) for k, v in self.blocks.items()},
            dict(self.worklist),
            dict(self.records),
            dict(self.notices),
            dict(self.identity_events),
            dict(self.held),
            list(self.outbox),
            dict(self.offsets),
            dict(self.lock_versions),
        )


class MemoryBatchStore:
    """The tables of committed units, and the serials drawn so far."""

    def __init__(self) -> None:
        self.committed = Tables()  # read it in tests; only units write it
        self._serial = 0
        self._lock = threading.Lock()

    @contextmanager
    def unit(self) -> Iterator[MemoryUnit]:
        with self._lock:
            staged = self.committed.copy()
            yield MemoryUnit(staged, self)
            self.committed = staged  # reached only when the block raised nothing

    def draw_serials(self, count: int) -> list[int]:
        first, self._serial = self._serial + 1, self._serial + count
        return list(range(first, self._serial + 1))


class MemoryUnit:
    """One unit's steps on its own copy of the tables."""

    def __init__(self, tables: Tables, store: MemoryBatchStore) -> None:
        self._t = tables
        self._store = store

    def claim_events(self, event_ids: Sequence[str]) -> set[str]:
        ids = [_uuid_hex(e) for e in event_ids]
        before = {e for e in ids if e in self._t.processed}
        self._t.processed.update(ids)
        return before

    def known_students(self, keys: Iterable[StudentKey]) -> dict[StudentKey, str]:
        return {k: self._t.identities[k][0] for k in keys if k in self._t.identities}

    def identity_versions(self, lock_keys: Sequence[str]) -> dict[str, int]:
        return {k: self._t.lock_versions[k] for k in lock_keys if k in self._t.lock_versions}

    def lock_identities(self, lock_keys: Sequence[str]) -> dict[str, int]:
        """Units run one at a time: nothing to wait for, only the versions to move."""
        before = {k: self._t.lock_versions.get(k, 0) for k in lock_keys}
        for key, version in before.items():
            self._t.lock_versions[key] = version + 1
        return before

    def candidates(
        self, blocking_keys: Sequence[str], asking: Mapping[str, str] | None = None
    ) -> dict[str, list[Candidate]]:
        asking = asking or {}
        keys_of: dict[StudentKey, list[str]] = {}
        for key in blocking_keys:
            shared = self._t.blocks.get(key, ())
            if len(shared) > CROWDED:  # a crowded key finds none, as in PostgreSQL
                continue
            for student in sorted(shared)[:PER_KEY]:
                if student[0] != asking.get(key):  # the asking state's own are never its candidates
                    keys_of.setdefault(student, []).append(key)
        found: dict[str, list[Candidate]] = {}
        for student, keys in keys_of.items():
            if student in self._t.identities:
                candidate = Candidate(*self._t.identities[student])
                for key in keys:
                    found.setdefault(key, []).append(candidate)
        return found

    def stored_children(self) -> int:
        return len(self._t.children)

    def draw_serials(self, count: int) -> list[int]:
        return self._store.draw_serials(count)

    def write_identities(self, links: Links, matcher: Matcher, now: datetime) -> None:
        for msix_id in links.new_children:
            _unique(msix_id in self._t.children, "child_pkey")
            self._t.children.add(msix_id)
        for key in links.new_keys | links.facts.keys():
            facts = links.facts.get(key) or replace(_NO_FACTS, state=key[0], state_student_id=key[1])
            _check_key("state_identity", key)
            _check_text("state_identity", _texts(facts))
            known = self._t.identities.get(key)
            # A known student keeps its child; only the facts it is matched on are refreshed.
            self._t.identities[key] = (known[0] if known else links.by_student[key], facts)
        self._write_blocks(links, matcher)
        for item in links.near:
            self._t.worklist.setdefault((item.state, item.state_student_id), item)

    def _write_blocks(self, links: Links, matcher: Matcher) -> None:
        updated = links.facts.keys() - links.new_keys  # a new identity has no keys to drop yet
        if updated:
            for students in self._t.blocks.values():
                students.difference_update(updated)
        for student, facts in links.facts.items():
            for key in matcher.blocking_keys(facts):
                self._t.blocks.setdefault(key, set()).add(student)

    def snapshot_children(self, msix_ids: Sequence[str]) -> dict[str, ChildView]:
        views = {m: ChildView() for m in msix_ids}
        child_of = {k: m for k, (m, _) in self._t.identities.items() if m in views}
        for rid, stored in self._t.records.items():
            msix_id = child_of.get((rid[0], rid[1]))
            if msix_id is None or rid[2] not in CHILD_VIEW_FAMILIES:
                continue
            if rid[2] == "student":
                views[msix_id].students[(rid[0], rid[1])] = stored
            else:
                views[msix_id].enrollments[rid] = stored
        for notice in self._t.notices.values():
            if notice.msix_id in views:
                views[notice.msix_id].notices.append(notice)
        return views

    def write_records(self, changed: dict[RecordId, Stored]) -> int:
        stored = {rid: _as_stored(rid, new) for rid, new in changed.items()}  # all refused, or none
        overtaken = 0
        for rid, new in stored.items():
            current = self._t.records.get(rid)
            if current is not None and current.source_ts > new.source_ts:
                overtaken += 1  # last writer wins: a newer version is kept already
            else:
                self._t.records[rid] = new
        return overtaken

    def insert_notices(self, notices: Sequence[Notice]) -> set[str]:
        new: set[str] = set()
        for notice in notices:
            _check_text("move_notice", [v for v in notice.as_value().values() if isinstance(v, str)])
            if notice.notice_id not in self._t.notices:
                self._t.notices[notice.notice_id] = notice
                new.add(notice.notice_id)
        return new

    def insert_identity_changes(self, changes: Sequence[IdentityChange]) -> None:
        for change in changes:
            _unique(change.event_id in self._t.identity_events, "identity_event_pkey")
            self._t.identity_events[change.event_id] = change

    def keep_held(self, rows: Sequence[HeldRow]) -> None:
        for row in rows:
            _check_text("parked_event", [v for v in row if isinstance(v, str)])
            position, (status, reason, at) = (row[0], row[1], row[2]), row[6:]
            seen = self._t.held.get(position)
            # A position seen before takes the new status and reason; the rest of its row stays.
            self._t.held[position] = (*row, at) if seen is None else (*seen[:6], status, reason, seen[8], at)

    def enqueue(self, rows: Sequence[OutboxRow]) -> None:
        self._t.outbox.extend(rows)

    def save_offsets(self, group_id: str, offsets: Offsets) -> None:
        for (topic, partition), offset in offsets.items():
            key = (group_id, topic, partition)
            self._t.offsets[key] = max(self._t.offsets.get(key, offset), offset)

    def load_offsets(self, group_id: str) -> Offsets:
        return {(t, p): o for (g, t, p), o in self._t.offsets.items() if g == group_id}


def _as_stored(rid: RecordId, new: Stored) -> Stored:
    """The version as the database gives it back: fields through JSON, the event id as a UUID's hex."""
    _check_key("record", rid)
    if new.fields is None:
        return replace(new, event_id=_uuid_hex(new.event_id))
    _check_text("record", [v for v in new.fields.values() if isinstance(v, str)])
    fields = fields_from_json(orjson.loads(to_json(new.fields)))
    return Stored(fields, new.source_ts, _uuid_hex(new.event_id))


def _texts(facts: IdentityFacts) -> list[str]:
    return [v for v in (getattr(facts, f) for f in facts.__slots__) if isinstance(v, str)]


def _uuid_hex(event_id: str) -> str:
    try:
        return uuid.UUID(event_id).hex
    except ValueError:
        message = "invalid input syntax for type uuid"
        raise DatabaseRefused(_reason("22P02", "InvalidTextRepresentation", message), "22P02") from None


def _check_key(table: str, key: Sequence[str]) -> None:
    if sum(len(part.encode()) for part in key) > BTREE_LIMIT:
        message = f'index row size exceeds btree maximum, {BTREE_LIMIT} for index "{table}_pkey"'
        raise DatabaseRefused(_reason("54000", "ProgramLimitExceeded", message), "54000")


def _check_text(table: str, texts: Iterable[str]) -> None:
    if any("\x00" in t for t in texts):
        message = f"a NUL byte cannot be stored (table {table})"
        raise DatabaseRefused(_reason("22P05", "UntranslatableCharacter", message), "22P05")


def _unique(taken: bool, constraint: str) -> None:
    if taken:
        message = f'duplicate key value violates unique constraint "{constraint}" (constraint {constraint})'
        raise DatabaseRefused(_reason("23505", "UniqueViolation", message), "23505")


def _reason(sqlstate: str, kind: str, message: str) -> str:
    # Worded as ``faults.refused_reason`` words PostgreSQL's: the dead letter reads the same.
    return f"refused by the database: SQLSTATE {sqlstate} {kind}: {message}"


if TYPE_CHECKING:  # mypy proves the adapter fits the port
    _fits: BatchStore = MemoryBatchStore()
