"""Writing one batch's effects. Every function runs inside the caller's transaction: the batch's
records, identities, notices, outbox rows, processed-event ids and consumer offsets commit together
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg

from hub.domain.apply import RecordId
from hub.domain.identity import FACT_COLUMNS, IdentityFacts, fact_values
from hub.domain.linking import IdentityChange, Links, StudentKey
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.domain.records import to_json

# Re-exported: the worker and ``msix parked replay`` build their allocator from here.
from hub.store.batch.port import IdAllocator as IdAllocator
from hub.store.batch.port import OutboxRow


def claim_events(cur: psycopg.Cursor, event_ids: Sequence[str]) -> set[str]:
    """Record the events as processed; returns the ids that were processed before (duplicates)."""
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS batch_event (event_id uuid) ON COMMIT DELETE ROWS")
    with cur.copy("COPY batch_event (event_id) FROM STDIN") as copy:
        for event_id in event_ids:
            copy.write_row((event_id,))
    # Only the duplicates travel back: in the usual batch there are none.
    cur.execute(
        """WITH claimed AS (
               INSERT INTO processed_event (event_id) SELECT DISTINCT event_id FROM batch_event
               ON CONFLICT DO NOTHING RETURNING event_id)
           SELECT event_id FROM batch_event EXCEPT SELECT event_id FROM claimed"""
    )
    return {row[0].hex for row in cur}


def identity_versions(cur: psycopg.Cursor, lock_keys: Sequence[str]) -> dict[str, int]:
    """Each lock key's version as committed now (0 for a key never locked): read before the
    candidates, so that ``lock_identities`` can tell which keys another unit linked under since."""
    if not lock_keys:
        return {}
    cur.execute(
        """SELECT k, v.version FROM unnest(%s::text[]) AS k
             JOIN identity_lock_version v ON v.lock_hash = hashtext(k)""",
        (list(lock_keys),),
    )
    return dict(cur.fetchall())


def lock_identities(cur: psycopg.Cursor, lock_keys: Sequence[str]) -> dict[str, int]:
    """Serialize, across workers, the linking of identities that could be the same child; returns
    each key's version as the last unit that held it left it (0 for a key never locked).

    Two workers reading two states' topics may meet one child at the same moment; each would find
    no candidate and create a child of its own. A transaction-scoped advisory lock per key, taken in
    one global order (so two workers never wait on each other in a cycle), makes the second wait for
    the first to commit. The merge matches before it locks (the lock is held for less of the
    batch); each key's version, bumped here under the lock and committed with the unit, tells the
    second which of its identities to match again: those under a key whose version moved since it
    read the candidates (``identity_versions``).
    """
    if not lock_keys:
        return {}
    keys = sorted(set(lock_keys))
    cur.execute(
        "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) AS k "
        "ORDER BY h) AS ordered",
        (keys,),
    )
    # Under the advisory locks (the same hash): no other unit bumps these rows now, so the upsert
    # waits on no one; it runs once the locks are granted, and reads what their last holder committed.
    cur.execute(
        """WITH bumped AS (
               INSERT INTO identity_lock_version AS v (lock_hash, version)
               SELECT DISTINCT hashtext(k), 1 FROM unnest(%s::text[]) AS k
               ON CONFLICT (lock_hash) DO UPDATE SET version = v.version + 1
               RETURNING lock_hash, version - 1 AS seen)
           SELECT k, b.seen FROM unnest(%s::text[]) AS k JOIN bumped b ON b.lock_hash = hashtext(k)""",
        (keys, keys),
    )
    return dict(cur.fetchall())


def draw_serials(cur: psycopg.Cursor, count: int) -> list[int]:
    """``count`` values of the MSIX id sequence (``IdAllocator`` draws a block at a time)."""
    cur.execute("SELECT nextval('msix_serial') FROM generate_series(1, %s)", (count,))
    return [row[0] for row in cur]


def _copy_upsert(
    cur: psycopg.Cursor,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    conflict: str,
    update: str,
) -> int:
    """COPY into a session temp table, then one INSERT ... ON CONFLICT: the fastest bulk upsert."""
    tmp = f"tmp_{table}"
    cols = ", ".join(columns)
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    with cur.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {tmp} ON CONFLICT ({conflict}) DO {update}")
    return cur.rowcount


def write_identities(cur: psycopg.Cursor, links: Links, blocking: Mapping[StudentKey, list[str]]) -> None:
    """The batch's new children and its identities' facts, each with the blocking keys its rows of
    ``identity_block`` now carry (``blocking``, for the identities reported in the batch)."""
    if links.new_children:
        with cur.copy("COPY child (msix_id) FROM STDIN") as copy:
            for msix_id in links.new_children:
                copy.write_row((msix_id,))
    keys = links.new_keys | links.facts.keys()
    if not keys:
        return
    empty = IdentityFacts("", "", "", "", "", None, "", False)

    def row(key: tuple[str, str]) -> tuple[Any, ...]:
        return (*key, links.by_student[key], *fact_values(links.facts.get(key, empty)), blocking.get(key, []))

    facts_cols = (*FACT_COLUMNS, "block_keys")
    _copy_upsert(
        cur,
        "state_identity",
        ("state", "state_student_id", "msix_id", *facts_cols),
        (row(k) for k in keys),
        "state, state_student_id",
        # A known student keeps its child; only the facts it is matched on (and their keys) are refreshed.
        "UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in facts_cols),
    )


def write_records(cur: psycopg.Cursor, changed: dict[RecordId, Stored]) -> int:
    """Upsert the new versions; returns how many lost to a newer stored version (last writer wins)."""
    if not changed:
        return 0
    rows = (
        (*rid, None if s.fields is None else to_json(s.fields), s.source_ts, s.event_id) for rid, s in changed.items()
    )
    cols = "state, state_student_id, family, record_key, fields, source_ts, event_id"
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS tmp_record (LIKE record INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    with cur.copy(f"COPY tmp_record ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    # One statement: the upsert, and what it wrote counted by state and family into the hour's
    # roll-up (the dashboard's records received per hour), in this batch's transaction.
    cur.execute(
        f"""WITH written AS (
                INSERT INTO record ({cols}) SELECT {cols} FROM tmp_record
                ON CONFLICT (state, state_student_id, family, record_key) DO UPDATE SET fields = EXCLUDED.fields,
                   source_ts = EXCLUDED.source_ts, event_id = EXCLUDED.event_id, updated_at = now()
                 WHERE record.source_ts <= EXCLUDED.source_ts
                RETURNING state, family),
            counted AS (SELECT state, family, count(*) AS n FROM written GROUP BY state, family),
            rolled AS (INSERT INTO records_received (state, family, hour, records)
                       SELECT state, family, date_trunc('hour', now()), n FROM counted)
            SELECT coalesce(sum(n), 0) FROM counted"""
    )
    total = cur.fetchone()
    assert total is not None
    return len(changed) - int(total[0])


def compact_records_received(cur: psycopg.Cursor) -> int:
    """Folds each finished hour's rows of ``records_received`` (one per batch, state and family)
    into one, so the roll-up grows by hours, not by batches; returns the rows removed. Hours up to
    an hour old are left to the batches still appending to them (a batch counts in the hour its
    transaction started). Two workers compacting at once do not count twice: the second's DELETE
    finds the first's rows gone, and its snapshot does not hold the first's sums."""
    cur.execute(
        """WITH crowded AS (
                SELECT state, family, hour FROM records_received
                 WHERE hour < date_trunc('hour', now()) - interval '1 hour'
                 GROUP BY 1, 2, 3 HAVING count(*) > 1),
            gone AS (
                DELETE FROM records_received r USING crowded c
                 WHERE r.state = c.state AND r.family = c.family AND r.hour = c.hour
                RETURNING r.state, r.family, r.hour, r.records),
            folded AS (
                INSERT INTO records_received (state, family, hour, records)
                SELECT state, family, hour, sum(records) FROM gone GROUP BY 1, 2, 3 RETURNING 1)
            SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM folded)"""
    )
    removed = cur.fetchone()
    assert removed is not None
    return int(removed[0])


def insert_notices(cur: psycopg.Cursor, notices: Sequence[Notice]) -> set[str]:
    """Store the notices; returns the ids that are new (only those go to the outbox)."""
    if not notices:
        return set()
    cur.executemany(
        """INSERT INTO move_notice (notice_id, msix_id, kind, from_state, to_state, to_city, move_date,
                                    first_name, last_name_1, birth_date, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (notice_id) DO NOTHING RETURNING notice_id""",
        [tuple(n.as_value().values()) for n in notices],
        returning=True,
    )
    return _returned_ids(cur)


def insert_identity_changes(cur: psycopg.Cursor, changes: Sequence[IdentityChange]) -> None:
    """Store identity changes. Each is new by construction: it names a state id first seen in this
    batch, whose events were claimed as never processed, so a plain COPY cannot collide."""
    if changes:
        with cur.copy(
            "COPY identity_event (event_id, kind, msix_id, state, state_student_id, reason, occurred_at) FROM STDIN"
        ) as copy:
            for c in changes:
                copy.write_row((c.event_id, c.kind, c.msix_id, c.state, c.state_student_id, c.reason, c.occurred_at))


def _returned_ids(cur: psycopg.Cursor) -> set[str]:
    ids: set[str] = set()
    while True:
        ids.update(row[0] for row in cur.fetchall())
        if not cur.nextset():
            return ids


def enqueue(cur: psycopg.Cursor, rows: Sequence[OutboxRow]) -> None:
    if rows:
        with cur.copy("COPY outbox (topic, key, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def save_offsets(cur: psycopg.Cursor, group_id: str, offsets: dict[tuple[str, int], int]) -> None:
    """Offsets only move forward: a worker that lost its partitions in a rebalance and still commits
    a batch it held cannot move its successor back."""
    cur.executemany(
        """INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES (%s, %s, %s, %s)
           ON CONFLICT (group_id, topic, partition)
           DO UPDATE SET next_offset = GREATEST(consumer_offset.next_offset, EXCLUDED.next_offset)""",
        [(group_id, topic, part, off) for (topic, part), off in offsets.items()],
    )


def load_offsets(cur: psycopg.Cursor, group_id: str) -> dict[tuple[str, int], int]:
    cur.execute("SELECT topic, partition, next_offset FROM consumer_offset WHERE group_id = %s", (group_id,))
    return {(t, p): o for t, p, o in cur}
