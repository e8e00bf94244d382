"""A destination state's subscription to its move notices: ``msix notices follow``.

The one follow loop (``consumers.follower``) with the ``NOTICES`` kind on ``movenotice.ST``; what
only notices have is the receipt (``--receipts``): after each notice handed on, a ``received``
NoticeReceipt goes to the hub on ``movenotice.ST.acks``.

The sinks and the delivered-ids file are re-exported here under the names other modules and the
state's own scripts import.
"""

from __future__ import annotations

from datetime import UTC, datetime

from consumers.follower import NOTICES, Delivered, FollowTotals, LinesSink, Sink
from consumers.follower import follow as follow_kind
from consumers.webhook import (
    MIN_SECRET_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSink,
    private_append,
    read_secret,
    signature,
)
from hub import notices
from hub.config import KafkaSettings
from hub.store.receipts import RECEIVED
from producers.producer import Producer
from producers.topics import Topics

__all__ = [
    "GROUP",
    "MIN_SECRET_BYTES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Delivered",
    "FollowTotals",
    "LinesSink",
    "Sink",
    "WebhookSink",
    "follow",
    "private_append",
    "read_secret",
    "signature",
]

GROUP = NOTICES.group


def follow(
    kafka: KafkaSettings,
    state: str,
    sink: Sink,
    delivered: Delivered,
    from_beginning: bool = False,
    until_idle: bool = False,
    receipts: bool = False,
) -> FollowTotals:
    """Deliver state ``state``'s notices until stopped (or, ``until_idle``, until caught up)."""
    if not receipts:
        return follow_kind(kafka, NOTICES, state, sink, delivered, from_beginning, until_idle)
    topics = Topics(kafka.topic_prefix)
    producer = Producer(kafka)

    def receipt(notice_id: str) -> None:
        # Sent before the id is marked done: a crash in between sends it again, and the hub keeps
        # the first receipt of each notice.
        by = notices.who(kafka, None)
        notices.send_receipt(producer, topics, notices.receipt(notice_id, state, RECEIVED, by, datetime.now(UTC)))
        producer.flush()

    try:
        return follow_kind(kafka, NOTICES, state, sink, delivered, from_beginning, until_idle, receipt)
    finally:
        producer.flush(10)
