"""The matcher's side of a batch: candidates through the blocking index, blocking rows, worklist items.

Every function runs in the caller's transaction (the merge worker's batch transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime

import orjson
import psycopg

from hub.domain.identity import FACT_COLUMNS, Candidate, IdentityFacts, Matcher
from hub.domain.linking import Links, StudentKey
from hub.identity.features import CROWDED, PER_KEY
from hub.store.snapshot import as_columns

_FACTS = ", ".join(f"si.{c}" for c in FACT_COLUMNS)


# The keys travel as one array parameter, unnested server-side: one round trip, where a temp table
# filled by COPY took three (create, copy, select). Measured on 100,000 children: 7 keys (one
# identity) 1.4-1.6 ms against 3.7-6.5 ms; 3,000 keys (a worker's batch) 360-390 ms either way.
# An identity found through several keys comes back once, with the keys that found it (grouped by
# state_identity's primary key): a third fewer rows to send and decode; on 1,000,000 children one
# identity's search took p50 0.9-1.1 ms, p90 1.7-2.4 ms, against 1.0-1.5 and 2.0-3.9 ungrouped.
# A key takes its first PER_KEY identities (in the primary key's order, which the index gives
# without a sort) and none when more than CROWDED share it, as before; of those, a key asked for one
# state's identities only sends the other states' (a state's two ids are two children by its own
# word, never linked: ``matcher``). The same candidates are compared, and a fifth fewer rows are
# joined, sent and decoded in the benchmark's ten-state store. (Taking the first PER_KEY of the
# other states' instead found more candidates to score: the workers' CPU rose 12%.)
_CANDIDATES = f"""SELECT array_agg(b.block_key), si.msix_id, si.state, si.state_student_id, {_FACTS}
                    FROM unnest(%s::text[], %s::text[]) AS k(block_key, asker)
                    CROSS JOIN LATERAL (
                        SELECT k.block_key, f.state, f.state_student_id,
                               count(*) OVER () AS shared, row_number() OVER () AS n
                          FROM (SELECT b.state, b.state_student_id FROM identity_block b
                                 WHERE b.block_key = k.block_key
                                 ORDER BY b.state, b.state_student_id LIMIT {CROWDED + 1}) f) b
                    JOIN state_identity si ON si.state = b.state AND si.state_student_id = b.state_student_id
                   WHERE b.shared <= {CROWDED} AND b.n <= {PER_KEY} AND b.state <> k.asker
                   GROUP BY si.state, si.state_student_id"""


# The matcher reads the store's size as a logarithm (``crowd_bits``): an estimate is enough, and
# count(*) is not (40 ms a batch at 1,000,000 children). The planner's own: the rows per page of
# the last ANALYZE times the pages now (so a table grown since still counts right), and count(*)
# only while the table was never analyzed with rows in it (autovacuum does within a minute or so).
_STORED_CHILDREN = """SELECT CASE WHEN c.reltuples > 0 AND c.relpages > 0
                               THEN (c.reltuples / c.relpages
                                     * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
                               ELSE (SELECT count(*) FROM child) END
                        FROM pg_class c WHERE c.oid = 'child'::regclass"""


def stored_children(cur: psycopg.Cursor) -> int:
    """About how many children the store holds."""
    row = cur.execute(_STORED_CHILDREN).fetchone()
    return int(row[0]) if row else 0


def candidates(
    cur: psycopg.Cursor, blocking_keys: Sequence[str], asking: Mapping[str, str] | None = None
) -> dict[str, list[Candidate]]:
    """The identities that share a key with the batch, by key: one query, index look-ups only.
    ``asking``: the one state a key is asked for, whose identities it then leaves out (of its first
    PER_KEY: the others are the same as without)."""
    found: dict[str, list[Candidate]] = {}
    if not blocking_keys:
        return found
    asking = asking or {}
    cur.execute(_CANDIDATES, [list(blocking_keys), [asking.get(k, "") for k in blocking_keys]])
    for keys, msix, state, ssid, *facts in cur:
        # By position: FACT_COLUMNS are IdentityFacts' fields in order after the two ids (a third
        # of the time keywords took, for tens of candidates a look-up).
        candidate = Candidate(msix, IdentityFacts(state, ssid, *facts))
        for key in keys:
            found.setdefault(key, []).append(candidate)
    return found


def stored_keys(cur: psycopg.Cursor, students: AbstractSet[StudentKey]) -> dict[StudentKey, list[str]]:
    """The keys each identity's blocking rows carry (the identities the batch updates), the identity
    locked until the transaction ends, as the facts' upsert that follows would lock it
    (``reindex_chunk`` waits for it). The students travel as two arrays: the planner then expects
    few rows and probes the primary key (from a temp table it knows nothing of, it chose a hash join
    over the whole table)."""
    if not students:
        return {}
    cur.execute(
        """SELECT si.state, si.state_student_id, si.block_keys
             FROM unnest(%s::text[], %s::text[]) AS u(state, ssid)
             JOIN state_identity si ON si.state = u.state AND si.state_student_id = u.ssid
            ORDER BY si.state, si.state_student_id FOR NO KEY UPDATE OF si""",
        as_columns(students, 2),
    )
    return {(state, ssid): keys for state, ssid, keys in cur}


def write_blocks(
    cur: psycopg.Cursor, blocking: Mapping[StudentKey, list[str]], stored: Mapping[StudentKey, list[str]]
) -> None:
    """The blocking rows of every identity reported in the batch (``blocking``: its keys now), from
    the keys ``stored`` with it before (``stored_keys``; none for a new identity): only the rows of
    keys it lost are deleted, and only those of keys it gained are written."""
    stale = [(k, *student) for student, old in stored.items() for k in set(old).difference(blocking[student])]
    _delete_blocks(cur, stale)
    rows = (
        (key, *student)
        for student, keys in blocking.items()
        for key in (set(keys).difference(stored[student]) if student in stored else keys)
    )
    _insert_blocks(cur, rows)


def _delete_blocks(cur: psycopg.Cursor, rows: Sequence[tuple[str, str, str]]) -> None:
    """Delete blocking rows by primary key (the table has no other index). The few rows of a batch
    travel as arrays, so that the planner probes the key for each rather than scan the table."""
    if not rows:
        return
    cur.execute(
        """DELETE FROM identity_block b USING unnest(%s::text[], %s::text[], %s::text[]) AS s(k, state, ssid)
            WHERE b.block_key = s.k AND b.state = s.state AND b.state_student_id = s.ssid""",
        as_columns(rows, 3),
    )


def _insert_blocks(cur: psycopg.Cursor, rows: Iterable[tuple[str, str, str]]) -> None:
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS batch_identity_block (LIKE identity_block) ON COMMIT DELETE ROWS")
    with cur.copy("COPY batch_identity_block (block_key, state, state_student_id) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    # No DISTINCT: DO NOTHING also skips a row repeated within the statement, and the sort cost
    # more than the repeats it saved (each identity's keys are distinct already). Measured on
    # `msix bench pipeline --events 1000000 --workers 2`: this statement took 15.3-15.6 s for 1.7
    # million rows with DISTINCT, 12.8-13.1 s without.
    cur.execute("""INSERT INTO identity_block SELECT * FROM batch_identity_block ON CONFLICT DO NOTHING""")


_CHUNK = f"""SELECT si.state, si.state_student_id, si.block_keys, {_FACTS} FROM state_identity si
              WHERE (si.state, si.state_student_id) > (%s, %s)
              ORDER BY si.state, si.state_student_id LIMIT %s
                FOR NO KEY UPDATE"""


def reindex_chunk(cur: psycopg.Cursor, matcher: Matcher, after: StudentKey, size: int) -> tuple[int, StudentKey] | None:
    """Rewrites the blocking rows of the ``size`` identities after ``after`` (in key order) from
    their stored facts, as the matcher keys them now; returns how many and the last one, None past
    the end.

    For keys that changed with the code (a new kind of key): identities stored before would be
    found only through their old keys until a state reports them again. The identities are locked
    first, so a worker cannot change one's facts between the read and the write; a worker that
    already holds one (its batch is updating it) writes its keys itself, and this chunk gives up its
    locks within ``lock_timeout`` (the caller retries it) rather than keep the worker waiting.
    """
    cur.execute("SET LOCAL lock_timeout = '500ms'")
    cur.execute(_CHUNK, (*after, size))
    rows = cur.fetchall()
    if not rows:
        return None
    stored: dict[StudentKey, list[str]] = {}
    blocking: dict[StudentKey, list[str]] = {}
    for state, ssid, keys, *values in rows:
        stored[(state, ssid)] = keys
        blocking[(state, ssid)] = matcher.blocking_keys(IdentityFacts(state, ssid, *values))
    write_blocks(cur, blocking, stored)
    changed = [(*student, keys) for student, keys in blocking.items() if set(keys) != set(stored[student])]
    if changed:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS batch_block_keys (state text, ssid text, keys text[])"
            " ON COMMIT DELETE ROWS"
        )
        with cur.copy("COPY batch_block_keys FROM STDIN") as copy:
            for row in changed:
                copy.write_row(row)
        cur.execute(
            """UPDATE state_identity si SET block_keys = k.keys FROM batch_block_keys k
                WHERE si.state = k.state AND si.state_student_id = k.ssid"""
        )
    return len(rows), (rows[-1][0], rows[-1][1])  # the database's order (its collation), not Python's


def open_worklist(cur: psycopg.Cursor, links: Links, now: datetime) -> None:
    """A worklist item for each provisional child of the batch."""
    if not links.near:
        return
    rows = [
        (
            n.msix_id,
            n.state,
            n.state_student_id,
            n.score,
            orjson.dumps(list(n.reasons)).decode(),
            orjson.dumps(
                [
                    {
                        "msix_id": c.msix_id,
                        "state": c.state,
                        "state_student_id": c.state_student_id,
                        "score": c.score,
                        "reasons": list(c.reasons),
                    }
                    for c in n.candidates
                ]
            ).decode(),
            now,
        )
        for n in links.near
    ]
    cur.executemany(
        """INSERT INTO worklist_item (msix_id, state, state_student_id, score, reasons, candidates, created_at)
           VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s) ON CONFLICT (state, state_student_id) DO NOTHING""",
        rows,
    )
