"""At most one batch in flight to the database, while the merge worker polls and decodes the next.

The worker's loop was: poll, decode, transaction, commit offsets. The transaction waits on
PostgreSQL most of its time (locks, index writes, the commit's flush), and those waits release the
GIL: the next batch's poll and decode run in them. Once the batch in flight has committed, what
arrived meanwhile joins the next batch (up to its size, without waiting) before that one's
transaction starts: a message then waits for at most two transactions, not three. Only one batch is
ever in the database's hands, so the offset protocol is the one it was: a batch's effects, event
ids, outbox rows and offsets in one transaction; its Kafka offsets committed after that
transaction, by the loop, in order; the next batch's transaction starts only after the previous one
has committed.

A rebalance or an outage waits for the batch in flight first (``drain``), so the database's offsets,
which say where each partition resumes, are never read while a transaction that moves them runs.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")


class InFlight(Generic[T]):
    """One database thread; ``submit`` hands it a batch's transaction, ``settle`` waits for it."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # made on first use: no thread in __init__
        self._running: Future[T] | None = None

    def submit(self, work: Callable[[], T]) -> None:
        if self._running is not None:
            raise RuntimeError("a batch is already in flight: settle it first")
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="merge-db")
        self._running = self._pool.submit(work)

    def settle(self) -> T | None:
        """The batch in flight's result once it is done (None if none was); raises what it raised."""
        running, self._running = self._running, None
        return None if running is None else running.result()

    def drain(self) -> None:
        """Wait for the batch in flight without taking its result (a rebalance callback may not
        raise); the next ``settle`` returns it, or raises its error."""
        if self._running is not None:
            self._running.exception()

    @property
    def busy(self) -> bool:
        return self._running is not None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
