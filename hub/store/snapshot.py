"""Loading what one batch of events needs to know, in a handful of set-based queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg

from hub.domain.apply import ChildView
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.domain.records import fields_from_json


def _stored(fields: dict[str, Any] | None, source_ts: datetime, event_id: uuid.UUID) -> Stored:
    return Stored(None if fields is None else fields_from_json(fields), source_ts, event_id.hex)


def as_columns(rows: Iterable[Sequence[str]], width: int) -> list[list[str]]:
    """Rows as ``width`` column lists: the arrays a statement unnests back into rows, in one
    parameter each (one round trip, and the planner expects few rows and probes an index)."""
    columns: list[list[str]] = [[] for _ in range(width)]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns


def known_students(cur: psycopg.Cursor, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    # The keys travel as two arrays, not through a temp table filled by COPY: one round trip, and
    # the planner, which expects few rows from the unnest, probes the primary key. Measured in a
    # 500,000-event run: 18 ms a call through the temp table (a table it has no statistics of, joined
    # to a state_identity growing faster than its own), 1.6 ms so; 4 s of the database's time → 0.4 s.
    cur.execute(
        """SELECT si.state, si.state_student_id, si.msix_id
             FROM unnest(%s::text[], %s::text[]) AS k(state, ssid)
             JOIN state_identity si ON si.state = k.state AND si.state_student_id = k.ssid""",
        as_columns(keys, 2),
    )
    return {(st, ssid): msix for st, ssid, msix in cur}


def lock_children(cur: psycopg.Cursor, msix_ids: Sequence[str]) -> None:
    """Serialize move detection per child across workers, until this transaction ends.

    Two states' records of one child arrive on two topics, which two workers may apply at the same
    moment; each reading the child's records without the other's would find no arrival, or a
    departure and an arrival for one move. The second to lock waits for the first to commit, and
    its next statement (READ COMMITTED: a snapshot per statement) reads the first one's records.

    Row locks, not ``pg_advisory_xact_lock``: advisory locks live in the shared lock table
    (max_locks_per_transaction x connections, about 10,000 here, measured), which a batch of 5,000
    children's updates in each of two or three workers would exhaust ("out of shared memory", for
    every session of the server); a row lock is kept in the row. NO KEY UPDATE does not block the
    foreign-key checks of other transactions' inserts of the child's identities. Sorted, so two
    workers never wait on each other in a cycle.
    """
    if msix_ids:
        cur.execute(
            "SELECT msix_id FROM child WHERE msix_id = ANY(%s) ORDER BY msix_id FOR NO KEY UPDATE",
            (sorted(msix_ids),),
        )


def children(cur: psycopg.Cursor, msix_ids: Sequence[str]) -> dict[str, ChildView]:
    """Identity and enrollment records, and notices, of the given children, for move detection."""
    views: dict[str, ChildView] = {m: ChildView() for m in msix_ids}
    ids = list(views)  # each once: the notices' join on unnest would repeat a repeated id's rows
    cur.execute(
        """SELECT si.msix_id, r.state, r.state_student_id, r.family, r.record_key, r.fields, r.source_ts, r.event_id
             FROM state_identity si
             JOIN record r ON r.state = si.state AND r.state_student_id = si.state_student_id
            WHERE si.msix_id = ANY(%s) AND r.family IN ('student', 'enrollment')""",
        (ids,),
    )
    for msix, st, ssid, fam, key, f, ts, eid in cur:
        stored = _stored(f, ts, eid)
        if fam == "student":
            views[msix].students[(st, ssid)] = stored
        else:
            views[msix].enrollments[(st, ssid, fam, key)] = stored
    # A child's notices through the index, child by child (OFFSET 0 keeps the planner from turning
    # the lateral into a join): with ``= ANY`` it scanned the whole table and hashed the batch's
    # thousands of ids, a cost that grows with every notice ever made (16 ms a batch in a
    # 500,000-event run, 3.9 s of the database's time).
    cur.execute(
        """SELECT notice_id, n.msix_id, kind, from_state, to_state, to_city, move_date, first_name,
                  last_name_1, birth_date, created_at
             FROM unnest(%s::text[]) AS c(msix_id)
             CROSS JOIN LATERAL (SELECT * FROM move_notice n WHERE n.msix_id = c.msix_id OFFSET 0) n""",
        (ids,),
    )
    for row in cur:
        views[row[1]].notices.append(Notice(*row))
    return views
