"""The merge worker: consume a batch of state records, apply it in one transaction, then commit the
offsets; after each batch, relay the outbox. ``until_idle`` stops once every input is consumed and
every output is sent.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import confluent_kafka
import psycopg
import structlog

from consumers import idle, merge_batch
from consumers.decoding import DeadLetter, decode_message
from consumers.kafka_config import consumer_config, position
from consumers.latency import LatencyHistogram
from consumers.outbox_relay import RelayThread
from consumers.receipt_recorder import ReceiptThread
from hub.config import Settings
from hub.domain.identity import ExactMatcher, Matcher
from hub.domain.records import Event
from hub.errors import InfraError
from hub.identity.matcher import ProbabilisticMatcher, Thresholds
from hub.store import db, effects
from producers.admin import admin_client
from producers.producer import Producer
from producers.topics import Topics

log = structlog.get_logger(__name__)

# How often a worker folds the dashboard's roll-up (``effects.compact_records_received``): it
# grows by a row per batch, state and family meanwhile, a few thousand rows at full speed.
COMPACT_EVERY_S = 600.0

# Fault injection for the crash-safety test: die by SIGKILL at this point of the first batch.
CRASH_AFTER_DB_COMMIT = "after-db-commit"


@dataclass
class _Decoded:
    """A consumed batch, decoded, ready for its transaction."""

    started: float
    now: datetime
    messages: int
    items: list[Event | DeadLetter] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    produced_ms: list[int] = field(default_factory=list)


@dataclass
class WorkerOptions:
    group_id: str = "msix-merge"
    batch_size: int = 5000
    # How long a batch may wait to fill: a floor under end-to-end latency when traffic is light;
    # under load batches fill at once.
    poll_timeout: float = 0.1
    crash_point: str | None = None


@dataclass
class WorkerTotals:
    batches: int = 0
    totals: merge_batch.BatchResult = field(default_factory=merge_batch.BatchResult)
    relayed: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)


def matcher_for(settings: Settings) -> Matcher:
    """The matcher the settings ask for (MSIX_IDENTITY_MATCHER)."""
    if settings.identity.matcher == "exact":
        return ExactMatcher()
    return ProbabilisticMatcher(Thresholds(settings.identity.upper, settings.identity.lower))


class MergeWorker:
    def __init__(
        self,
        settings: Settings,
        options: WorkerOptions | None = None,
        matcher: Matcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.options = options or WorkerOptions()
        self.topics = Topics(settings.kafka.topic_prefix)
        self.group_id = settings.kafka.topic_prefix + self.options.group_id
        self.matcher = matcher or matcher_for(settings)
        self.clock = clock
        self.totals = WorkerTotals()
        self._stopping = False
        self._next_compaction = 0.0  # at the start, then every COMPACT_EVERY_S

    def stop(self, *_: object) -> None:
        self._stopping = True

    def run(self, until_idle: bool = False) -> WorkerTotals:
        conn = db.connect(self.settings.database)
        consumer = confluent_kafka.Consumer(consumer_config(self.settings.kafka, self.group_id))
        producer = Producer(self.settings.kafka)
        relay = RelayThread(self.settings.database, producer)
        self._receipts = ReceiptThread(self.settings)
        allocate = effects.IdAllocator()
        self._admin = admin_client(self.settings.kafka)

        def on_assign(c: confluent_kafka.Consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
            # The database, not Kafka, says where each partition resumes: it commits the offsets
            # with the effects, so a crash after its commit and before Kafka's loses nothing and
            # repeats nothing.
            with conn.transaction(), conn.cursor() as cur:
                saved = effects.load_offsets(cur, self.group_id)
            for tp in partitions:
                tp.offset = saved.get((tp.topic, tp.partition), confluent_kafka.OFFSET_BEGINNING)
            c.assign(partitions)

        consumer.subscribe([self.topics.records_pattern], on_assign=on_assign)
        # What the process holds by now (modules, settings, clients) lives as long as it does: out
        # of the collector's sight, a full collection walks only what batches keep. A full walk of
        # the imports and the matcher's caches took 50-240 ms here, dozens of look-ups' time, in
        # the middle of a batch.
        gc.collect()
        gc.freeze()
        relay.start()
        self._receipts.start()
        try:
            self._loop(conn, consumer, relay, allocate, until_idle)
        finally:
            consumer.close()
            relay.stop()
            self._receipts.stop()
            producer.flush(10)
            conn.close()
        self.totals.relayed = relay.sent
        if relay.error is not None:
            raise relay.error
        if self._receipts.error is not None:
            raise self._receipts.error
        return self.totals

    def _loop(
        self,
        conn: psycopg.Connection,
        consumer: confluent_kafka.Consumer,
        relay: RelayThread,
        allocate: effects.IdAllocator,
        until_idle: bool,
    ) -> None:
        # Decoding the next batch in a thread while this one's SQL runs was measured: no gain on two
        # cores (the GIL), so the loop stays sequential.
        while not self._stopping and relay.error is None and self._receipts.error is None:
            if time.monotonic() >= self._next_compaction:
                self._compact(conn)
            messages = consumer.consume(num_messages=self.options.batch_size, timeout=self.options.poll_timeout)
            if messages:
                self._apply(conn, consumer, self._decode(messages), allocate)
                relay.wake()
            elif until_idle and self._idle(conn):
                return

    def _decode(self, messages: list[confluent_kafka.Message]) -> _Decoded:
        batch = _Decoded(started=time.perf_counter(), now=self.clock(), messages=len(messages))
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.fatal():
                    raise InfraError(f"Kafka consumer failed: {err.str()}")
                log.warning("consume error", error=err.str())
                continue
            topic, partition, offset = position(msg)
            batch.items.append(decode_message(self.topics, topic, partition, offset, msg.key(), msg.value(), batch.now))
            batch.offsets[(topic, partition)] = offset + 1
            kind, ms = msg.timestamp()
            if kind != confluent_kafka.TIMESTAMP_NOT_AVAILABLE:
                batch.produced_ms.append(ms)
        return batch

    def _apply(
        self,
        conn: psycopg.Connection,
        consumer: confluent_kafka.Consumer,
        batch: _Decoded,
        allocate: effects.IdAllocator,
    ) -> None:
        if not batch.offsets:
            return
        result = merge_batch.process(
            conn, batch.items, batch.offsets, self.group_id, self.topics, self.matcher, allocate, batch.now
        )
        if self.options.crash_point == CRASH_AFTER_DB_COMMIT:
            os.kill(os.getpid(), signal.SIGKILL)
        # After the database commit, and only then. Asynchronous: the database already holds the
        # positions, Kafka's copy is for lag monitoring and for tools that read it.
        consumer.commit(
            offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in batch.offsets.items()],
            asynchronous=True,
        )
        self.totals.latency.record_batch(time.time() * 1000, batch.produced_ms)
        self._account(result, batch.messages, batch.started, batch.offsets)

    def _account(
        self,
        result: merge_batch.BatchResult,
        messages: int,
        started: float,
        offsets: dict[tuple[str, int], int],
    ) -> None:
        t = self.totals.totals
        t.events += result.events
        t.duplicates += result.duplicates
        t.stale += result.stale
        t.dead_letters += result.dead_letters
        t.new_children += result.new_children
        t.notices += result.notices
        self.totals.batches += 1
        # One canonical line per batch; ids and counts only, never a child's data.
        log.info(
            "batch applied",
            messages=messages,
            applied=result.events,
            duplicates=result.duplicates,
            stale=result.stale,
            dead_letters=result.dead_letters,
            new_children=result.new_children,
            notices=result.notices,
            partitions=len(offsets),
            ms=round((time.perf_counter() - started) * 1000, 1),
            **result.steps,
        )

    def _compact(self, conn: psycopg.Connection) -> None:
        with conn.transaction(), conn.cursor() as cur:
            removed = effects.compact_records_received(cur)
        if removed:
            log.info("records received per hour compacted", rows_removed=removed)
        self._next_compaction = time.monotonic() + COMPACT_EVERY_S

    def _idle(self, conn: psycopg.Connection) -> bool:
        with conn.cursor() as cur:
            return idle.caught_up(cur, self.topics, self.group_id, self._admin) and self._receipts.caught_up()
