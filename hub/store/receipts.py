"""Move-notice receipts: who in the destination state received or acknowledged which notice, when.

The hub's worker writes them from ``movenotice.ST.acks`` (a topic only state ST may write, so a
receipt read from it is ST's); readers list a state's notices with their receipts, and call a notice
overdue when it has no acknowledgement some time after it was sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import Column, Connection, DateTime, Index, Table, Text, func, text

from hub.store.tables import metadata

RECEIVED = "received"
ACKNOWLEDGED = "acknowledged"
KINDS = (RECEIVED, ACKNOWLEDGED)

notice_receipt = Table(
    "notice_receipt",
    metadata,
    Column("notice_id", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("notice_receipt_state", "state", "kind"),
)


@dataclass(frozen=True)
class Receipt:
    notice_id: str
    kind: str
    state: str
    by: str
    at: datetime


def record(cur: psycopg.Cursor, receipts: Iterable[Receipt]) -> int:
    """Store receipts for notices that were sent to the receipt's state; the first of each kind
    wins (a receipt sent again changes nothing). Returns how many were new."""
    rows = [(r.notice_id, r.kind, r.state, r.by, r.at) for r in receipts]
    if not rows:
        return 0
    cur.executemany(
        "INSERT INTO notice_receipt (notice_id, kind, state, by, at) "
        "SELECT %s, %s, %s, %s, %s WHERE EXISTS "
        "(SELECT 1 FROM move_notice m WHERE m.notice_id = %s AND m.to_state = %s) "
        "ON CONFLICT DO NOTHING",
        [(*row, row[0], row[2]) for row in rows],
    )
    return max(cur.rowcount, 0)


@dataclass(frozen=True)
class NoticeStatus:
    notice_id: str
    msix_id: str
    kind: str
    from_state: str
    created_at: datetime
    received_at: datetime | None
    received_by: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    overdue: bool

    def as_json(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def notice_status(
    conn: Connection, state: str, due_after: timedelta, now: datetime, only_overdue: bool = False
) -> list[NoticeStatus]:
    """State ST's notices, newest first, with their receipts; ``overdue``: not acknowledged
    ``due_after`` after the hub made it."""
    rows = conn.execute(
        text(
            "SELECT m.notice_id, m.msix_id, m.kind, m.from_state, m.created_at, "
            "r.at, r.by, a.at, a.by "
            "FROM move_notice m "
            "LEFT JOIN notice_receipt r ON r.notice_id = m.notice_id AND r.kind = 'received' "
            "LEFT JOIN notice_receipt a ON a.notice_id = m.notice_id AND a.kind = 'acknowledged' "
            "WHERE m.to_state = :state AND (NOT :only_overdue OR (a.at IS NULL AND m.created_at < :cutoff)) "
            "ORDER BY m.created_at DESC, m.notice_id"
        ),
        {"state": state, "only_overdue": only_overdue, "cutoff": now - due_after},
    ).all()
    return [
        NoticeStatus(
            notice_id=row[0],
            msix_id=row[1],
            kind=row[2],
            from_state=row[3],
            created_at=row[4],
            received_at=row[5],
            received_by=row[6],
            acknowledged_at=row[7],
            acknowledged_by=row[8],
            overdue=row[7] is None and row[4] < now - due_after,
        )
        for row in rows
    ]
