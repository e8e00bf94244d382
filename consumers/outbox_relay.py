"""The outbox relay: publishes what the merge transactions queued, then forgets it.

Rows are sent in id order and deleted only after Kafka acknowledged every one of them, in one
transaction holding the rows' locks. A crash between the acknowledgement and the delete sends them
again on restart: at least once on the wire, exactly once in effect, since every message carries an
id its readers de-duplicate by (notice id, identity event id, rejection id).
"""

from __future__ import annotations

import threading

import psycopg

from hub.config import DatabaseSettings
from hub.store import db
from producers.producer import Producer


class OutboxRelay:
    def __init__(self, conn: psycopg.Connection, producer: Producer, batch: int = 5000) -> None:
        self._conn = conn
        self._producer = producer
        self._batch = batch
        self.sent = 0

    def pump(self) -> int:
        """Send one batch; returns how many were sent (0 when the outbox is empty)."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            # SKIP LOCKED lets several relays share the outbox without sending one row twice at once.
            cur.execute(
                "SELECT id, topic, key, value FROM outbox ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (self._batch,),
            )
            rows = cur.fetchall()
            if not rows:
                return 0
            for _, topic, key, value in rows:
                self._producer.send(topic, bytes(key), bytes(value))
            self._producer.flush()  # raises DeliveryError: the rows stay, and are sent again later
            cur.execute("DELETE FROM outbox WHERE id = ANY(%s)", ([r[0] for r in rows],))
        self.sent += len(rows)
        return len(rows)

    def drain(self) -> int:
        total = 0
        while sent := self.pump():
            total += sent
        return total


class RelayThread(threading.Thread):
    """Relays the outbox beside the merge loop, so the worker's next batch need not wait for Kafka's
    acknowledgements (the waits release the GIL). Woken after each commit; polls every 50 ms."""

    def __init__(self, settings: DatabaseSettings, producer: Producer) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self._settings = settings
        self._producer = producer
        self._wake = threading.Event()
        self._halt = threading.Event()
        self.sent = 0
        self.error: BaseException | None = None

    def wake(self) -> None:
        self._wake.set()

    def run(self) -> None:
        try:
            with db.connect(self._settings) as conn:
                relay = OutboxRelay(conn, self._producer)
                while not self._halt.is_set():
                    if not relay.pump():
                        self._wake.wait(0.05)
                        self._wake.clear()
                relay.drain()  # what the last batches queued
                self.sent = relay.sent
        except BaseException as exc:  # reported to the merge loop, which stops the worker
            self.error = exc

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        self.join()
