"""The hub's side of data requests: read every ``state.ST.responses`` and record the answers.

A part of the worker (``run(stop)`` under its supervisor). At least once: recording an answer is
idempotent (the same answer again changes nothing) and Kafka's offsets are committed after the
database commit. A state writes its own responses topic, so anything may be there: a message that is
no answer of ST's, or answers a request the hub never sent to ST, is skipped, logged by position and
counted; nothing in a message stops the recorder.
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
from hub.domain import data_requests
from hub.domain.data_requests import Answer
from hub.domain.state_messages import BadMessage
from hub.store import faults
from hub.store import requests as store
from producers.admin import admin_client
from producers.topics import Topics

log = structlog.get_logger(__name__)

GROUP = "msix-responses"
Found = tuple[tuple[str, int, int], Answer]


class ResponseRecorder:
    """Records answers until ``stop``; ``caught_up()`` says whether every answer published so far
    was read (for ``msix worker --until-idle``)."""

    name = "responses"

    def __init__(self, settings: Settings, poll_timeout: float = 0.2) -> None:
        self._settings = settings
        self._topics = Topics(settings.kafka.topic_prefix)
        self._poll_timeout = poll_timeout
        self._lock = threading.Lock()
        self._positions: dict[tuple[str, int], int] = {}
        self._running = False
        self._admin: AdminClient | None = None  # made on first use: no network in __init__
        self.recorded = 0
        self.skipped = 0  # messages that were no usable answer

    def caught_up(self) -> bool:
        with self._lock:
            positions, running = dict(self._positions), self._running
        if self._admin is None:
            self._admin = admin_client(self._settings.kafka)
        return running and not idle.unconsumed(self._admin, self._topics.responses_pattern, positions)

    def run(self, stop: threading.Event) -> None:
        group = self._settings.kafka.topic_prefix + GROUP
        consumer = confluent_kafka.Consumer(consumer_config(self._settings.kafka, group))
        try:
            consumer.subscribe([self._topics.responses_pattern], on_assign=self._on_assign)
            with faults.translated(), faults.connect(self._settings.database) as conn:
                with self._lock:
                    self._running = True
                while not stop.is_set():
                    self._pump(consumer, conn)
        finally:
            with self._lock:
                self._running = False
            consumer.close()

    def _on_assign(self, c: confluent_kafka.Consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        """Where the group resumes counts as read: answers recorded by an earlier run are not left."""
        with self._lock:
            for tp in c.committed(partitions, timeout=10):
                if tp.offset >= 0:
                    self._positions.setdefault((tp.topic, tp.partition), tp.offset)
        c.assign(partitions)

    def _pump(self, consumer: confluent_kafka.Consumer, conn: psycopg.Connection) -> None:
        messages = consumer.consume(num_messages=500, timeout=self._poll_timeout)
        found: list[Found] = []
        offsets: dict[tuple[str, int], int] = {}
        for msg in messages:
            err = msg.error()
            if err is not None:
                log.warning("consume error", error=err.str())
                continue
            topic, partition, offset = position(msg)
            offsets[(topic, partition)] = offset + 1
            answer = self._answer(topic, partition, offset, msg.value())
            if answer is not None:
                found.append(((topic, partition, offset), answer))
        if not offsets:
            return
        with conn.transaction(), conn.cursor() as cur:
            self.recorded += store.record(cur, self._sent_to_their_state(cur, found))
        # After the database commit, and only then: a crash in between reads the answers again,
        # which changes nothing.
        consumer.commit(offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in offsets.items()])
        with self._lock:
            self._positions.update(offsets)

    def _answer(self, topic: str, partition: int, offset: int, value: bytes | None) -> Answer | None:
        """The answer in one message, or None (logged and counted). The topic says which state wrote
        it: its ACL lets no other state write there."""
        try:
            return data_requests.response(value, self._topics.state_of(topic))
        except BadMessage as exc:
            self._skip(topic, partition, offset, str(exc))
            return None

    def _sent_to_their_state(self, cur: psycopg.Cursor, found: list[Found]) -> list[Answer]:
        """The answers to requests that were sent to the answering state; the rest skipped."""
        known: set[tuple[str, str]] = set()
        for state in {a.state for _, a in found}:
            ids = [a.request_id for _, a in found if a.state == state]
            known |= {(state, request_id) for request_id in store.known_to(cur, ids, state)}
        for (topic, partition, offset), a in found:
            if (a.state, a.request_id) not in known:
                self._skip(topic, partition, offset, "an answer to no request sent to this state")
        return [a for _, a in found if (a.state, a.request_id) in known]

    def _skip(self, topic: str, partition: int, offset: int, reason: str) -> None:
        self.skipped += 1
        # Where and why, never the bytes: the state's next message is read as usual.
        log.warning("answer skipped", topic=topic, partition=partition, offset=offset, reason=reason)
