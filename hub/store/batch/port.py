"""What the merge asks of the store for one batch: a unit of work (one transaction) and, inside it,
the batch protocol's steps in the order the merge takes them.

Claim the event ids (idempotency), look up who the students are and the matcher's candidates, write
the identities, lock and read the children whose moves the batch may reveal, write the records,
notices and identity changes, keep what was parked or rejected, queue the outbox rows and save the
consumer offsets. Everything written in a unit commits together or not at all.

An adapter raises the hub's errors, never its driver's: ``DatabaseRefused`` for a value the store
will not keep (the merge splits the batch to find it), ``DatabaseUnavailable`` when the store is
away for now (the worker waits and runs the batch again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from hub.domain.apply import ChildView, RecordId
from hub.domain.identity import Candidate, Matcher
from hub.domain.linking import IdentityChange, Links, StudentKey
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.domain.msix_id import from_serial

OutboxRow = tuple[str, bytes, bytes]  # (topic, key, value)
# (topic, partition, offset, state, key, data, status, reason, at): a parked or rejected message
HeldRow = tuple[Any, ...]
Offsets = dict[tuple[str, int], int]  # (topic, partition) -> the next offset to read


class BatchUnit(Protocol):
    """One batch's unit of work. Its methods are the merge's steps, each taken at most once a unit
    (the PostgreSQL adapter stages a step's rows in temp tables emptied at the commit); nothing is
    kept unless the unit ends without an error."""

    def claim_events(self, event_ids: Sequence[str]) -> set[str]:
        """Record the events as processed; returns those processed before (duplicates). A repeat
        within ``event_ids`` of a new id is not a duplicate (the merge drops it itself)."""
        ...

    def known_students(self, keys: Iterable[StudentKey]) -> dict[StudentKey, str]:
        """The child (MSIX id) of each of these students the store knows."""
        ...

    def identity_versions(self, lock_keys: Sequence[str]) -> dict[str, int]:
        """Each lock key's version as committed now (a key never locked: absent, version 0)."""
        ...

    def lock_identities(self, lock_keys: Sequence[str]) -> dict[str, int]:
        """Until the unit ends, serialize with other units linking identities under these keys; returns
        each key's version as the last unit that held it committed it (0 if none did). The unit's commit
        moves the version of each key it locked: a unit that read a version before will see it moved."""
        ...

    def candidates(
        self, blocking_keys: Sequence[str], asking: Mapping[str, str] | None = None
    ) -> dict[str, list[Candidate]]:
        """The identities that share a blocking key with the batch, by key: at most ``PER_KEY`` a
        key, none from a key more than ``CROWDED`` identities share (``hub.identity.features``).
        ``asking``: the one state a key is asked for (a state's own identities are never its
        candidates): of the key's first ``PER_KEY``, only the other states' identities."""
        ...

    def stored_children(self) -> int:
        """About how many children the store holds (an estimate is enough: the matcher reads its
        logarithm, ``hub.identity.matcher.crowd_bits``)."""
        ...

    def draw_serials(self, count: int) -> list[int]:
        """``count`` unused serials for new MSIX ids (never handed out again, kept or not)."""
        ...

    def write_identities(self, links: Links, matcher: Matcher, now: datetime) -> None:
        """New children, each reported student's identity and facts, its blocking keys, and a
        worklist item for each near match."""
        ...

    def snapshot_children(self, msix_ids: Sequence[str]) -> dict[str, ChildView]:
        """Lock these children until the unit ends, then read their identity and enrollment records
        and their notices: what move detection needs. The lock comes first, so a unit that commits
        meanwhile is in what is read."""
        ...

    def write_records(self, changed: dict[RecordId, Stored]) -> int:
        """Keep the new versions, last writer wins by ``source_ts`` (a tombstone too); returns how
        many lost to a newer version stored meanwhile."""
        ...

    def insert_notices(self, notices: Sequence[Notice]) -> set[str]:
        """Keep the notices; returns the ids that are new (only those are sent)."""
        ...

    def insert_identity_changes(self, changes: Sequence[IdentityChange]) -> None: ...

    def keep_held(self, rows: Sequence[HeldRow]) -> None:
        """Keep parked and rejected messages by position; a position seen again takes the new status
        and reason."""
        ...

    def enqueue(self, rows: Sequence[OutboxRow]) -> None:
        """Queue messages for the outbox relay."""
        ...

    def save_offsets(self, group_id: str, offsets: Offsets) -> None:
        """The group's next offsets; they only move forward."""
        ...

    def load_offsets(self, group_id: str) -> Offsets:
        """The group's saved offsets: where each partition resumes once assigned."""
        ...


class BatchStore(Protocol):
    def unit(self) -> AbstractContextManager[BatchUnit]:
        """Begin a unit; it commits when the block ends, and rolls back, keeping nothing, when the
        block raises."""
        ...


class IdAllocator:
    """New MSIX ids, drawn from the store a block at a time (gaps after a crash are fine). It lives
    as long as the worker, across units: ``bind`` it to each unit's ``draw_serials``."""

    BLOCK = 500

    def __init__(self) -> None:
        self._free: list[int] = []
        self._draw: Callable[[int], list[int]] | None = None

    def bind(self, draw: Callable[[int], list[int]]) -> IdAllocator:
        self._draw = draw
        return self

    def __call__(self) -> str:
        if not self._free:
            assert self._draw is not None, "bind() a unit's draw_serials first"
            self._free = self._draw(self.BLOCK)[::-1]
        return from_serial(self._free.pop())
