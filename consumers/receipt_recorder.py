"""The hub's side of notice receipts: read every ``movenotice.ST.acks`` and store the receipts.

Runs as a thread of the worker. At least once: the database insert is idempotent (the first
receipt of each kind wins) and Kafka's offsets are committed after the database commit.
"""

from __future__ import annotations

import threading

import confluent_kafka
import psycopg
import structlog
from confluent_kafka.admin import AdminClient

from consumers import idle
from consumers.kafka_config import consumer_config, position
from hub.config import Settings
from hub.domain import state_messages
from hub.store import db, receipts
from producers.admin import admin_client
from producers.topics import Topics

log = structlog.get_logger(__name__)

GROUP = "msix-receipts"


class ReceiptThread(threading.Thread):
    def __init__(self, settings: Settings, poll_timeout: float = 0.2) -> None:
        super().__init__(name="receipts", daemon=True)
        self._settings = settings
        self._topics = Topics(settings.kafka.topic_prefix)
        self._poll_timeout = poll_timeout
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._positions: dict[tuple[str, int], int] = {}
        self.recorded = 0
        self.skipped = 0  # messages on an acks topic the hub could not use
        self._admin: AdminClient | None = None  # made on first use, by the thread that asks
        self.error: BaseException | None = None

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def caught_up(self) -> bool:
        """Has every receipt published so far been stored?"""
        with self._lock:
            positions = dict(self._positions)
        if self._admin is None:
            self._admin = admin_client(self._settings.kafka)
        return not idle.unconsumed(self._admin, self._topics.acks_pattern, positions)

    def run(self) -> None:
        group = self._settings.kafka.topic_prefix + GROUP
        consumer = confluent_kafka.Consumer(consumer_config(self._settings.kafka, group))
        try:
            consumer.subscribe([self._topics.acks_pattern])
            with db.connect(self._settings.database) as conn:
                while not self._halt.is_set():
                    self._pump(consumer, conn)
        except BaseException as exc:  # reported to the merge loop, which stops the worker
            self.error = exc
        finally:
            consumer.close()

    def _pump(self, consumer: confluent_kafka.Consumer, conn: psycopg.Connection) -> None:
        messages = consumer.consume(num_messages=500, timeout=self._poll_timeout)
        found: list[receipts.Receipt] = []
        offsets: dict[tuple[str, int], int] = {}
        for msg in messages:
            err = msg.error()
            if err is not None:
                log.warning("consume error", error=err.str())
                continue
            topic, partition, offset = position(msg)
            offsets[(topic, partition)] = offset + 1
            receipt = self._receipt(topic, partition, offset, msg.value())
            if receipt is not None:
                found.append(receipt)
        if not offsets:
            return
        with conn.transaction(), conn.cursor() as cur:
            self.recorded += receipts.record(cur, found)
        consumer.commit(offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in offsets.items()])
        with self._lock:
            self._positions.update(offsets)

    def _receipt(self, topic: str, partition: int, offset: int, value: bytes | None) -> receipts.Receipt | None:
        """The receipt in one message, or None (logged and counted) for one the hub cannot use. The
        topic says which state wrote it (its ACL lets no other state write there), and a receipt
        counts only for a notice sent to that state (``receipts.record``)."""
        try:
            r = state_messages.receipt(value, self._topics.state_of(topic))
        except state_messages.BadMessage as exc:
            self.skipped += 1
            # Where and why, never the bytes: the next message of the state is read as usual.
            log.warning("receipt skipped", topic=topic, partition=partition, offset=offset, reason=str(exc))
            return None
        return receipts.Receipt(r.notice_id, r.kind, r.state, r.by, r.at)
