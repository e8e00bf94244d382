"""The batch protocol on PostgreSQL: a unit is one transaction on the worker's connection, and each
step is the set-based SQL of ``effects``, ``snapshot``, ``identity_match`` and ``parked`` (COPY into
temp tables, one round trip a step), run on the unit's cursor.

Driver errors leave a unit as the hub's (``faults``): refused, unavailable or misconfigured.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import psycopg

from hub.domain.apply import ChildView, RecordId
from hub.domain.identity import Candidate, Matcher
from hub.domain.linking import IdentityChange, Links, StudentKey
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.store import effects, faults, identity_match, parked, snapshot
from hub.store.batch.port import BatchStore, HeldRow, Offsets, OutboxRow


class PostgresBatchStore:
    """Units of work on one connection (not in autocommit mode), one at a time."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    @contextmanager
    def unit(self) -> Iterator[PostgresUnit]:
        # READ COMMITTED, the server's default, is enough: one child's records from one state
        # arrive on one partition, which one worker owns at a time; the primary keys settle the
        # races that remain (two workers claiming one event id, or making one notice), and the row
        # locks of ``snapshot_children`` and the advisory locks of ``lock_identities`` serialize
        # move detection and linking per child. The translation wraps the commit too: a COMMIT
        # that fails (a deferred constraint, a lost connection) is the hub's error like any other.
        with faults.translated(), self._conn.transaction(), self._conn.cursor() as cur:
            yield PostgresUnit(cur)


class PostgresUnit:
    """One transaction's steps; each delegates to the store module that holds its SQL."""

    __slots__ = ("_cur",)

    def __init__(self, cur: psycopg.Cursor) -> None:
        self._cur = cur

    def claim_events(self, event_ids: Sequence[str]) -> set[str]:
        return effects.claim_events(self._cur, event_ids)

    def known_students(self, keys: Iterable[StudentKey]) -> dict[StudentKey, str]:
        return snapshot.known_students(self._cur, keys)

    def identity_versions(self, lock_keys: Sequence[str]) -> dict[str, int]:
        return effects.identity_versions(self._cur, lock_keys)

    def lock_identities(self, lock_keys: Sequence[str]) -> dict[str, int]:
        return effects.lock_identities(self._cur, lock_keys)

    def candidates(
        self, blocking_keys: Sequence[str], asking: Mapping[str, str] | None = None
    ) -> dict[str, list[Candidate]]:
        return identity_match.candidates(self._cur, blocking_keys, asking)

    def stored_children(self) -> int:
        return identity_match.stored_children(self._cur)

    def draw_serials(self, count: int) -> list[int]:
        return effects.draw_serials(self._cur, count)

    def write_identities(self, links: Links, matcher: Matcher, now: datetime) -> None:
        blocking = {student: matcher.blocking_keys(f) for student, f in links.facts.items()}
        # Read (and lock) the keys the updated identities' rows carry before the upsert replaces them.
        stored = identity_match.stored_keys(self._cur, links.facts.keys() - links.new_keys)
        effects.write_identities(self._cur, links, blocking)
        identity_match.write_blocks(self._cur, blocking, stored)
        identity_match.open_worklist(self._cur, links, now)

    def snapshot_children(self, msix_ids: Sequence[str]) -> dict[str, ChildView]:
        snapshot.lock_children(self._cur, msix_ids)  # before the read: another unit's commit is then in it
        return snapshot.children(self._cur, msix_ids) if msix_ids else {}

    def write_records(self, changed: dict[RecordId, Stored]) -> int:
        return effects.write_records(self._cur, changed)

    def insert_notices(self, notices: Sequence[Notice]) -> set[str]:
        return effects.insert_notices(self._cur, notices)

    def insert_identity_changes(self, changes: Sequence[IdentityChange]) -> None:
        effects.insert_identity_changes(self._cur, changes)

    def keep_held(self, rows: Sequence[HeldRow]) -> None:
        parked.keep(self._cur, rows)

    def enqueue(self, rows: Sequence[OutboxRow]) -> None:
        effects.enqueue(self._cur, rows)

    def save_offsets(self, group_id: str, offsets: Offsets) -> None:
        effects.save_offsets(self._cur, group_id, offsets)

    def load_offsets(self, group_id: str) -> Offsets:
        return effects.load_offsets(self._cur, group_id)


if TYPE_CHECKING:  # mypy proves the adapter fits the port

    def _fits(conn: psycopg.Connection) -> BatchStore:
        return PostgresBatchStore(conn)
