"""The hub's side of notice receipts: read every ``movenotice.ST.acks`` and store the receipts.

A side topic (``consumers.side_topics``): a part of the worker, at least once, the insert idempotent
(the first receipt of each kind wins). The topic says which state wrote a receipt (its ACL lets no
other state write there), and a receipt counts only for a notice sent to that state
(``receipts.record``).
"""

from __future__ import annotations

import psycopg

from consumers.side_topics import Found, SideTopic, SideTopicRecorder, Skip
from hub.config import Settings
from hub.domain import state_messages
from hub.store import receipts
from producers.topics import Topics

GROUP = "msix-receipts"


def _parse(data: bytes | None, state: str) -> receipts.Receipt:
    r = state_messages.receipt(data, state)
    return receipts.Receipt(r.notice_id, r.kind, r.state, r.by, r.at)


def _record(cur: psycopg.Cursor, found: list[Found[receipts.Receipt]], skip: Skip) -> int:
    return receipts.record(cur, [f.value for f in found])


def _pattern(topics: Topics) -> str:
    return topics.acks_pattern


RECEIPTS = SideTopic("receipts", "receipt", GROUP, _pattern, _parse, _record)


def receipt_recorder(settings: Settings, poll_timeout: float = 0.2) -> SideTopicRecorder[receipts.Receipt]:
    return SideTopicRecorder(settings, RECEIPTS, poll_timeout)
