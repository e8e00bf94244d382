"""One loop for the topics states write beside their records (``movenotice.ST.acks``,
``state.ST.responses``): read a batch, parse each message, record what can be used in one database
transaction, then commit the offsets.

A state writes these topics with its own credentials, so anything may be there. The policy is the
same for every one of them: a message that cannot be used (``BadMessage`` from ``parse``, or refused
by ``record`` through ``skip``) is skipped, logged by position and counted, never raised; the next
message of the state is read as usual. At least once: ``record`` must be idempotent, and Kafka's
offsets are committed only after the database commit, so a crash in between reads the batch again
and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import confluent_kafka
import psycopg
import structlog
from confluent_kafka.admin import AdminClient

from consumers import idle
from consumers.kafka_config import consumer_config, position
from hub.config import Settings
from hub.domain.state_messages import BadMessage
from hub.store import faults
from producers.admin import admin_client
from producers.topics import Topics

log = structlog.get_logger(__name__)

T = TypeVar("T")
Position = tuple[str, int, int]
"""topic, partition, offset"""


@dataclass(frozen=True)
class Found(Generic[T]):
    """A usable message: where it was and what it says."""

    at: Position
    value: T


Skip = Callable[[Position, str], None]
"""Tell the loop a found value is refused after all (``record`` decides with the database)."""


@dataclass(frozen=True)
class SideTopic(Generic[T]):
    """What differs from one side topic to the next."""

    name: str
    """The part's name."""
    what: str
    """What one message holds, for the log: ``receipt skipped``."""
    group: str
    pattern: Callable[[Topics], str]
    parse: Callable[[bytes | None, str], T]
    """The value of a message on the topic of the state given, or ``BadMessage``."""
    record: Callable[[psycopg.Cursor, list[Found[T]], Skip], int]
    """Store the batch's values inside the open transaction; how many were new."""


class SideTopicRecorder(Generic[T]):
    """Records a side topic until ``stop``: a part of the worker under its supervisor.
    ``caught_up()`` says whether every message published so far was read (``--until-idle``)."""

    def __init__(self, settings: Settings, topic: SideTopic[T], poll_timeout: float = 0.2) -> None:
        self.name = topic.name
        self._what = topic.what
        self._settings = settings
        self._topic = topic
        self._topics = Topics(settings.kafka.topic_prefix)
        self._poll_timeout = poll_timeout
        self._lock = threading.Lock()
        self._positions: dict[tuple[str, int], int] = {}
        self._running = False
        self._admin: AdminClient | None = None  # made on first use: no network in __init__
        self.recorded = 0
        self.skipped = 0  # messages the hub could not use

    def caught_up(self) -> bool:
        with self._lock:
            positions, running = dict(self._positions), self._running
        if self._admin is None:
            self._admin = admin_client(self._settings.kafka)
        return running and not idle.unconsumed(self._admin, self._topic.pattern(self._topics), positions)

    def run(self, stop: threading.Event) -> None:
        group = self._settings.kafka.topic_prefix + self._topic.group
        # consumer_config: no auto-commit (offsets follow the database commit), read from the start
        # of a topic the group never read.
        consumer = confluent_kafka.Consumer(consumer_config(self._settings.kafka, group))
        try:
            consumer.subscribe([self._topic.pattern(self._topics)], on_assign=self._on_assign)
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
        """Where the group resumes counts as read: what an earlier run recorded is not left to read."""
        with self._lock:
            for tp in c.committed(partitions, timeout=10):
                if tp.offset >= 0:
                    self._positions.setdefault((tp.topic, tp.partition), tp.offset)
        c.assign(partitions)

    def _pump(self, consumer: confluent_kafka.Consumer, conn: psycopg.Connection) -> None:
        messages = consumer.consume(num_messages=500, timeout=self._poll_timeout)
        found: list[Found[T]] = []
        offsets: dict[tuple[str, int], int] = {}
        for msg in messages:
            err = msg.error()
            if err is not None:
                log.warning("consume error", part=self.name, error=err.str())
                continue
            at = position(msg)
            offsets[(at[0], at[1])] = at[2] + 1
            try:
                found.append(Found(at, self._topic.parse(msg.value(), self._topics.state_of(at[0]))))
            except BadMessage as exc:
                self._skip(at, str(exc))
        if not offsets:
            return
        with conn.transaction(), conn.cursor() as cur:
            self.recorded += self._topic.record(cur, found, self._skip)
        # After the database commit, and only then.
        consumer.commit(offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in offsets.items()])
        with self._lock:
            self._positions.update(offsets)

    def _skip(self, at: Position, reason: str) -> None:
        self.skipped += 1
        # Where and why, never the bytes.
        topic, partition, offset = at
        log.warning(f"{self._what} skipped", topic=topic, partition=partition, offset=offset, reason=reason)
