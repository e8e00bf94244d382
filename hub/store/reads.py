"""Reading consolidated records (SQLAlchemy Core; the hot write path is in ``effects``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, select

from hub.domain.consolidated import StoredRecord, build
from hub.domain.records import to_json_value
from hub.store.tables import move_notice, record, state_identity

EXPORT_BATCH = 500


def find_msix_id(conn: Connection, state: str, state_student_id: str) -> str | None:
    query = select(state_identity.c.msix_id).where(
        state_identity.c.state == state, state_identity.c.state_student_id == state_student_id
    )
    return conn.execute(query).scalar_one_or_none()


def msix_ids_of(conn: Connection, state: str, state_student_ids: Sequence[str]) -> dict[str, str]:
    """The MSIX ids of a state's students, by state student id (those the hub knows)."""
    si = state_identity
    query = select(si.c.state_student_id, si.c.msix_id).where(
        si.c.state == state, si.c.state_student_id.in_(list(state_student_ids))
    )
    return {ssid: m for ssid, m in conn.execute(query)}


def consolidated(conn: Connection, msix_id: str) -> dict[str, Any] | None:
    found = _load(conn, [msix_id])
    return found.get(msix_id)


# Called with each batch's ids before any of its records leaves (the export's audit).
BatchHook = Callable[[Connection, Sequence[str]], None]


def export(engine: Engine, state: str | None = None, before: BatchHook | None = None) -> Iterator[dict[str, Any]]:
    """Every consolidated record (or those with records from ``state``), in MSIX id order, streamed.
    ``before`` runs in each batch's transaction, which commits before the batch is yielded: what it
    writes (one audit row per child) is in the database before those children's records leave."""
    ids = select(state_identity.c.msix_id).distinct().order_by(state_identity.c.msix_id)
    if state:
        ids = ids.where(state_identity.c.state == state)
    with engine.connect() as conn:
        batch: list[str] = []
        # A server-side cursor: the export streams, whatever the number of children.
        for (msix_id,) in conn.execution_options(stream_results=True, yield_per=EXPORT_BATCH).execute(ids):
            batch.append(msix_id)
            if len(batch) == EXPORT_BATCH:
                yield from _batch(engine, batch, before)
                batch = []
        if batch:
            yield from _batch(engine, batch, before)


def _batch(engine: Engine, ids: Sequence[str], before: BatchHook | None) -> list[dict[str, Any]]:
    with engine.begin() as conn:  # a second connection: the first is busy streaming ids
        found = _load(conn, ids)
        shown = [m for m in ids if m in found]
        if before is not None:
            before(conn, shown)
    return [found[m] for m in shown]


def _load(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    si = state_identity
    rows = conn.execute(select(si.c.msix_id, si.c.state, si.c.state_student_id).where(si.c.msix_id.in_(ids))).all()
    state_ids: dict[str, list[tuple[str, str]]] = {}
    for msix_id, st, ssid in rows:
        state_ids.setdefault(msix_id, []).append((st, ssid))
    recs: dict[str, list[StoredRecord]] = {m: [] for m in state_ids}
    joined = record.join(si, and_(record.c.state == si.c.state, record.c.state_student_id == si.c.state_student_id))
    query = (
        select(
            si.c.msix_id,
            record.c.state,
            record.c.state_student_id,
            record.c.family,
            record.c.record_key,
            record.c.fields,
            record.c.source_ts,
        )
        .select_from(joined)
        .where(si.c.msix_id.in_(ids), record.c.fields.is_not(None))
    )
    for msix_id, *rest in conn.execute(query):
        recs[msix_id].append(StoredRecord(*rest))
    moves: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(select(move_notice).where(move_notice.c.msix_id.in_(ids))).mappings():
        moves.setdefault(row["msix_id"], []).append({k: to_json_value(v) for k, v in row.items()})
    return {m: build(m, state_ids[m], recs[m], moves.get(m, [])) for m in state_ids}
