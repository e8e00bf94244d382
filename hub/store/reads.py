"""Reading consolidated records (SQLAlchemy Core; the hot write path is in ``effects``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def consolidated(conn: Connection, msix_id: str) -> dict[str, Any] | None:
    found = _load(conn, [msix_id])
    return found.get(msix_id)


def export(engine: Engine, state: str | None = None) -> Iterator[dict[str, Any]]:
    """Every consolidated record (or those with records from ``state``), in MSIX id order, streamed."""
    ids = select(state_identity.c.msix_id).distinct().order_by(state_identity.c.msix_id)
    if state:
        ids = ids.where(state_identity.c.state == state)
    with engine.connect() as conn:
        batch: list[str] = []
        # A server-side cursor: the export streams, whatever the number of children.
        for (msix_id,) in conn.execution_options(stream_results=True, yield_per=EXPORT_BATCH).execute(ids):
            batch.append(msix_id)
            if len(batch) == EXPORT_BATCH:
                yield from _in_order(_load_other(engine, batch), batch)
                batch = []
        if batch:
            yield from _in_order(_load_other(engine, batch), batch)


def _in_order(found: dict[str, dict[str, Any]], ids: Sequence[str]) -> Iterator[dict[str, Any]]:
    return (found[m] for m in ids if m in found)


def _load_other(engine: Engine, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:  # a second connection: the first is busy streaming ids
        return _load(conn, ids)


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
