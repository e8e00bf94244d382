"""``msix identity reindex``: every stored identity's blocking rows rewritten as the matcher keys
them now, chunk by chunk, each chunk its own transaction (``identity_match.reindex_chunk``), beside
running workers. Resumable by construction: a chunk rewrites rows from stored facts, so running it
again, whole or in part, leaves the same rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import structlog

from hub.domain.identity import Matcher
from hub.errors import InfraError
from hub.store import identity_match

log = structlog.get_logger(__name__)

# A chunk waits at most lock_timeout for a worker's batch; it is tried again this many times, a
# little later each time, before the command gives up (a worker's batch takes seconds, not minutes).
RETRIES = 20


def reindex(
    conn: psycopg.Connection, matcher: Matcher, chunk: int = 5000, tell: Callable[[int, int], None] | None = None
) -> int:
    """Rewrites every identity's blocking rows; returns how many identities. ``tell(done, total)``."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM state_identity")
        total = int(cur.fetchone()[0])  # type: ignore[index]
    conn.commit()
    done, after = 0, ("", "")
    while True:
        last = _chunk(conn, matcher, after, chunk)
        if last is None:
            return done
        step, after = last
        done += step
        if tell is not None:
            tell(done, max(total, done))


def _chunk(
    conn: psycopg.Connection, matcher: Matcher, after: tuple[str, str], size: int
) -> tuple[int, tuple[str, str]] | None:
    for attempt in range(RETRIES):
        try:
            with conn.transaction(), conn.cursor() as cur:
                return identity_match.reindex_chunk(cur, matcher, after, size)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            log.info("reindex chunk waits for a worker", attempt=attempt + 1)
            time.sleep(0.1 * (attempt + 1))
    raise InfraError(f"reindexing gave up after {RETRIES} tries on identities after {after[0]} {after[1]}")
