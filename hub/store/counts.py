"""The child count and the staff's aggregate reports, read from the consolidated record store.

Everything that leaves the hub from here is suppressed (``hub.domain.suppression``) except the
reconciliation, which names children and goes only to the state's own data manager (audited by the
caller).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from connectors.mde.rows import StudentRow
from hub import calendars
from hub.domain import child_count as cc
from hub.domain import deadline_board
from hub.domain.suppression import TOTAL, Suppressed, suppress
from hub.store.identity_tables import worklist_item
from hub.store.tables import move_notice, record, state_identity

THRESHOLD = 10  # a count from 1 to 9 never leaves the hub (docs/obligations.md, "Counts")


def children(conn: Connection) -> Iterator[cc.Child]:
    """Every child with its states' student rows and enrollments, streamed in MSIX id order."""
    si = state_identity
    joined = record.join(si, and_(record.c.state == si.c.state, record.c.state_student_id == si.c.state_student_id))
    query = (
        select(
            si.c.msix_id, si.c.birth_date, record.c.state, record.c.state_student_id, record.c.family, record.c.fields
        )
        .select_from(joined)
        .where(record.c.family.in_(("student", "enrollment")), record.c.fields.is_not(None))
        .order_by(si.c.msix_id)
    )
    current: str | None = None
    rows: list[Any] = []
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        if row.msix_id != current and rows:
            yield _child(rows)
            rows = []
        current = row.msix_id
        rows.append(row)
    if rows:
        yield _child(rows)


def _child(rows: list[Any]) -> cc.Child:
    students = {(r.state, r.state_student_id): r.fields for r in rows if r.family == "student"}
    enrollments = [
        {**r.fields, "state": r.state, "state_student_id": r.state_student_id} for r in rows if r.family == "enrollment"
    ]
    births = sorted({r.birth_date for r in rows if r.birth_date is not None})
    return cc.Child(rows[0].msix_id, students, enrollments, births[-1] if births else None)


@dataclass(frozen=True)
class ChildCount:
    period: cc.Period
    states: tuple[str, ...]
    categories: dict[int, Suppressed]  # rows: age/grade; columns: states
    national: dict[int, Suppressed]  # one column, "US": each child once


def child_count(conn: Connection, p: cc.Period, threshold: int = THRESHOLD) -> ChildCount:
    places = [c for child in children(conn) for c in cc.counted(child, p)]
    states = tuple(sorted({c.state for c in places} - {"US"}))
    cats, national = {}, {}
    for category in cc.CATEGORIES:
        cells = cc.tally(places, category)
        mine = {k: v for k, v in cells.items() if k[1] != "US"}
        cats[category] = suppress(cc.AGE_GRADES, states, mine, threshold)
        national[category] = suppress(
            cc.AGE_GRADES, ("US",), {k: v for k, v in cells.items() if k[1] == "US"}, threshold
        )
    return ChildCount(p, states, cats, national)


def reconciliation(conn: Connection, state: str, p: cc.Period) -> list[cc.Difference]:
    return [d for child in children(conn) for d in cc.reconcile(child, state, p)]


def mobility(conn: Connection, p: cc.Period, threshold: int = THRESHOLD) -> Suppressed:
    """Moves in the period by origin (rows) and destination (columns), one per move notice."""
    m = move_notice
    day = func.coalesce(m.c.move_date, func.date(m.c.created_at))
    query = (
        select(m.c.from_state, m.c.to_state, func.count())
        .where(day >= p.start, day <= p.end)
        .group_by(m.c.from_state, m.c.to_state)
    )
    cells = {(f, t): n for f, t, n in conn.execute(query)}
    origins, destinations = sorted({f for f, _ in cells}), sorted({t for _, t in cells})
    return suppress(origins, destinations, cells, threshold)


def last_updated(conn: Connection) -> list[dict[str, Any]]:
    """Per state: when the hub last applied one of its records, and how many records it holds."""
    query = (
        select(record.c.state, func.max(record.c.updated_at), func.count())
        .where(record.c.fields.is_not(None))
        .group_by(record.c.state)
        .order_by(record.c.state)
    )
    return [{"state": st, "last_updated": at.isoformat(), "records": n} for st, at, n in conn.execute(query)]


def worklist_aging(conn: Connection, now: datetime, threshold: int = THRESHOLD) -> Suppressed:
    """Open identity worklist items by age (working days of the item's state, rows) and state."""
    w = worklist_item
    rows = conn.execute(select(w.c.state, w.c.created_at).where(w.c.status == "open"))
    cells = deadline_board.aging(((st, at) for st, at in rows), calendars.calendar_for, now)
    return suppress(deadline_board.AGE_BUCKETS, sorted({st for _, st in cells}), cells, threshold)


REQUIRED_ELEMENTS = (*StudentRow.REQUIRED, *deadline_board.MEP_ELEMENTS)


def missing_elements(conn: Connection, threshold: int = THRESHOLD) -> Suppressed:
    """Children whose records from a state lack a required element, by element (rows) and state."""
    cells: dict[tuple[str, str], int] = {}
    for child in children(conn):
        for cell in deadline_board.missing(child.students, child.enrollments, StudentRow.REQUIRED):
            cells[cell] = cells.get(cell, 0) + 1
    return suppress(REQUIRED_ELEMENTS, sorted({st for _, st in cells}), cells, threshold)


def as_json(table: Suppressed, only: str | None = None) -> dict[str, Any]:
    """``{"cells": {column: {row: n|null}}, "totals": {column: n|null}, "row_totals", "total"}``;
    ``only`` keeps one column (a state's own view: the same suppression as everyone's)."""
    columns = [c for c in table.columns if only is None or c == only]
    out: dict[str, Any] = {
        "cells": {c: {r: table.cell(r, c) for r in table.rows} for c in columns},
        "totals": {c: table.cell(TOTAL, c) for c in columns},
    }
    if only is None:
        out["row_totals"] = {r: table.cell(r, TOTAL) for r in table.rows}
        out["total"] = table.cell(TOTAL, TOTAL)
    return out


def count_json(found: ChildCount, state: str | None) -> dict[str, Any]:
    return {
        "period": found.period.label,
        "start": found.period.start.isoformat(),
        "end": found.period.end.isoformat(),
        "threshold": found.categories[1].threshold,
        "age_grades": list(cc.AGE_GRADES),
        "categories": {
            str(k): {
                "states": as_json(found.categories[k], state),
                "national": as_json(found.national[k], "US"),
            }
            for k in cc.CATEGORIES
        },
    }


def today_period(today: date) -> cc.Period:
    """The reporting period ``today`` is in."""
    first = today.year if today.month >= 9 else today.year - 1
    return cc.period(f"{first}-{first + 1}")
