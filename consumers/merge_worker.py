"""The merge worker: consume a batch of state records, apply it in one transaction, then commit the
offsets. ``until_idle`` stops once every input is consumed and every output is sent.

It waits out a lost database (``consumers.outage``) and splits a batch the database refuses
(``merge_batch``). ``consumers.worker`` runs it beside the worker's other parts.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import confluent_kafka
import psycopg
import structlog
from confluent_kafka.admin import AdminClient

from consumers import idle, memory, merge_batch, outage
from consumers.decoding import DeadLetter, decode_message
from consumers.kafka_config import consumer_config, position
from consumers.latency import LatencyHistogram
from consumers.merge_inflight import InFlight
from hub.config import Settings
from hub.domain.identity import ExactMatcher, Matcher
from hub.domain.records import Event
from hub.errors import DatabaseUnavailable, InfraError
from hub.identity.matcher import ProbabilisticMatcher, Thresholds
from hub.store import effects, faults, identity_model
from hub.store.batch.postgres import PostgresBatchStore
from producers.admin import admin_client
from producers.topics import Topics

log = structlog.get_logger(__name__)

# Fault injection for the crash-safety test: die by SIGKILL at this point of the first batch.
CRASH_AFTER_DB_COMMIT = "after-db-commit"


@dataclass
class _Decoded:
    """A consumed batch, decoded, ready for its transaction."""

    started: float
    now: datetime
    messages: int
    items: list[Event | DeadLetter] = field(default_factory=list)
    positions: list[merge_batch.Position] = field(default_factory=list)  # one per item
    produced_ms: list[int] = field(default_factory=list)
    # The worker's own clock for the steps before the transaction, for the canonical log line.
    steps: dict[str, float] = field(default_factory=dict)


@dataclass
class _Done:
    """A batch whose transaction committed: what it did and when (its end-to-end latency's end)."""

    batch: _Decoded
    result: merge_batch.BatchResult
    committed_ms: float


@dataclass
class WorkerOptions:
    group_id: str = "msix-merge"
    batch_size: int = 5000
    # How long a batch may wait to fill: a floor under end-to-end latency when traffic is light;
    # under load batches fill at once.
    poll_timeout: float = 0.1
    crash_point: str | None = None
    until_idle: bool = False
    # Fault injection for tests and `msix bench faults`: a short max.poll.interval.ms (and session
    # timeout), so that a worker paused past it loses its partitions in seconds, not five minutes.
    max_poll_interval_ms: int | None = None


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
    # The newest model ``msix identity fit`` kept, read once at start (the hand-set prior if none).
    model = identity_model.newest(settings.database)
    return ProbabilisticMatcher(Thresholds(settings.identity.upper, settings.identity.lower), model)


class MergeWorker:
    """The merge part: ``run(stop)`` consumes and applies batches until ``stop`` is set (or, with
    ``until_idle``, until everything is consumed and sent)."""

    name = "merge"

    def __init__(
        self,
        settings: Settings,
        options: WorkerOptions | None = None,
        matcher: Matcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        wake_relay: Callable[[], None] = lambda: None,
        others_caught_up: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings = settings
        self.options = options or WorkerOptions()
        self.topics = Topics(settings.kafka.topic_prefix)
        self.group_id = settings.kafka.topic_prefix + self.options.group_id
        self.matcher = matcher or matcher_for(settings)
        self.clock = clock
        self.totals = WorkerTotals()
        self.health = outage.Health()
        self._wake_relay = wake_relay
        self._others_caught_up = others_caught_up
        self._conn: psycopg.Connection | None = None
        # Set when the consumer's positions may differ from the database's (an outage, a rebalance
        # during one): the partitions stay paused until sought to the database's offsets.
        self._reposition = False
        # Counts the rebalances this worker has seen (assignments and revocations): a batch read
        # across one is not applied (``_step``).
        self._rebalances = 0
        self._admin: AdminClient | None = None  # made on the first idle check: no network in __init__
        # The batch whose transaction runs while the next one is polled and decoded (merge_inflight).
        self._inflight: InFlight[_Done] = InFlight()

    def run(self, stop: threading.Event) -> None:
        consumer = confluent_kafka.Consumer(consumer_config(self.settings.kafka, self.group_id) | self._poll_limits())
        allocate = effects.IdAllocator()
        consumer.subscribe([self.topics.records_pattern], on_assign=self._on_assign, on_revoke=self._on_revoke)
        # What the process holds by now (modules, settings, clients) lives as long as it does: out
        # of the collector's sight, a full collection walks only what batches keep. A full walk of
        # the imports and the matcher's caches took 50-240 ms here, dozens of look-ups' time, in
        # the middle of a batch. And the young generation is collected less often (``memory.YOUNG``).
        memory.settle_heap()
        try:
            while not stop.is_set():
                try:
                    if self._conn is None or self._reposition:
                        self._recover(consumer, stop)
                    elif self._step(consumer, allocate):
                        return
                except DatabaseUnavailable as exc:
                    # Rolled back already (the transaction's context): nothing of the batch stays.
                    log.warning("PostgreSQL connection lost", error=str(exc))
                    self._drop_connection()
        finally:
            self._settle_quietly(consumer)
            self._inflight.close()
            consumer.close()
            self._drop_connection()

    def _poll_limits(self) -> dict[str, int]:
        ms = self.options.max_poll_interval_ms
        if ms is None:
            return {}
        # The session (the heartbeats) may not outlast the poll interval; heartbeats three a session.
        session = min(ms, 45_000)
        return {"max.poll.interval.ms": ms, "session.timeout.ms": session, "heartbeat.interval.ms": session // 3}

    def _on_assign(self, c: confluent_kafka.Consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        # The database, not Kafka, says where each partition resumes: it commits the offsets with
        # the effects, so a crash after its commit and before Kafka's loses nothing and repeats
        # nothing. Without the database (an outage), the partitions are taken paused, and sought
        # to its offsets once it is back.
        self._rebalances += 1
        saved: dict[tuple[str, int], int] | None = None
        self._inflight.drain()  # its transaction moves the offsets read here
        if self._conn is not None and not self._reposition:
            try:
                with PostgresBatchStore(self._conn).unit() as unit:
                    saved = unit.load_offsets(self.group_id)
            except DatabaseUnavailable as exc:
                log.warning("PostgreSQL connection lost", error=str(exc))
                self._drop_connection()
        for tp in partitions:
            tp.offset = (saved or {}).get((tp.topic, tp.partition), confluent_kafka.OFFSET_BEGINNING)
        c.assign(partitions)
        if saved is None:
            c.pause(partitions)
            self._reposition = True

    def _on_revoke(self, c: confluent_kafka.Consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        # The partitions' next owner resumes from the database's offsets: the batch in flight
        # commits them (or fails, leaving them) before the partitions are given up.
        self._rebalances += 1
        self._inflight.drain()

    def _recover(self, consumer: confluent_kafka.Consumer, stop: threading.Event) -> None:
        self._settle_quietly(consumer)
        if self._conn is None:
            self._conn = outage.wait_for_database(self.settings.database, consumer, stop, self.health)
            if self._conn is None:
                return  # stopped while waiting
            self._reposition = True
        outage.reposition(self._conn, consumer, self.group_id)
        self._reposition = False

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._reposition = True

    def _step(self, consumer: confluent_kafka.Consumer, allocate: effects.IdAllocator) -> bool:
        """One batch, or an idle check; True once idle (with ``until_idle``)."""
        assert self._conn is not None
        # The next batch is polled and decoded while the previous one's transaction runs (in
        # merge_inflight's thread); its own transaction starts once that one has committed.
        polled = time.perf_counter()
        messages = consumer.consume(num_messages=self.options.batch_size, timeout=self.options.poll_timeout)
        if self._reposition or self._conn is None:
            self._settle(consumer)
            return False  # a rebalance during consume() met an outage: read again once repositioned
        batch = self._decode(messages) if messages else None
        if batch is not None:
            batch.steps["poll"] = round((batch.started - polled) * 1000, 1)
        self._settle(consumer)  # raises the batch's DatabaseUnavailable: this one is read again
        # What arrived while the previous batch committed joins this one, up to the batch's size,
        # without waiting: otherwise it would wait for this batch's transaction and then its own,
        # three transactions' time at worst instead of two. Under load the batches grow, and a
        # burst of new children (each 1-3 ms to match) no longer queues behind two slow batches.
        room = self.options.batch_size - (batch.messages if batch is not None else 0)
        rebalances = self._rebalances
        more = consumer.consume(num_messages=room, timeout=0) if room > 0 else []
        if self._rebalances != rebalances:
            # A rebalance in that read (with or without an outage): the batch in hand may hold
            # partitions now another worker's, which resumes them from the database's offsets.
            # Neither it nor what came with it is applied; every partition held now is sought to
            # the database's offsets, and read again.
            self._reposition = True
            return False
        if more:
            batch = self._decode(more, batch)
        if batch is not None:
            if batch.positions:
                conn = self._conn
                self._inflight.submit(lambda: self._transact(conn, batch, allocate))
            return False
        return self.options.until_idle and self._idle(self._conn)

    def _decode(self, messages: list[confluent_kafka.Message], batch: _Decoded | None = None) -> _Decoded:
        """The messages decoded, as a new batch or added to ``batch``."""
        started = time.perf_counter()
        if batch is None:
            batch = _Decoded(started=started, now=self.clock(), messages=0)
        batch.messages += len(messages)
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.fatal():
                    raise InfraError(f"Kafka consumer failed: {err.str()}")
                log.warning("consume error", error=err.str())
                continue
            topic, partition, offset = position(msg)
            batch.items.append(decode_message(self.topics, topic, partition, offset, msg.key(), msg.value(), batch.now))
            batch.positions.append((topic, partition, offset))
            kind, ms = msg.timestamp()
            if kind != confluent_kafka.TIMESTAMP_NOT_AVAILABLE:
                batch.produced_ms.append(ms)
        batch.steps["decode"] = round(batch.steps.get("decode", 0.0) + (time.perf_counter() - started) * 1000, 1)
        return batch

    def _transact(self, conn: psycopg.Connection, batch: _Decoded, allocate: effects.IdAllocator) -> _Done:
        """The batch's transaction (in merge_inflight's thread; the only user of ``conn`` meanwhile)."""
        store = PostgresBatchStore(conn)
        result = merge_batch.process_splitting(
            store, batch.items, batch.positions, self.group_id, self.topics, self.matcher, allocate, batch.now
        )
        if self.options.crash_point == CRASH_AFTER_DB_COMMIT:
            os.kill(os.getpid(), signal.SIGKILL)
        return _Done(batch, result, time.time() * 1000)

    def _settle(self, consumer: confluent_kafka.Consumer) -> None:
        """Wait for the batch in flight; once it has committed, commit its offsets to Kafka."""
        done = self._inflight.settle()
        if done is None:
            return
        batch = done.batch
        # After the database commit, and only then. Asynchronous: the database already holds the
        # positions, Kafka's copy is for lag monitoring and for tools that read it.
        offsets = merge_batch.offsets_of(batch.positions)
        consumer.commit(
            offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in offsets.items()],
            asynchronous=True,
        )
        self.totals.latency.record_batch(done.committed_ms, batch.produced_ms)
        done.result.steps = batch.steps | done.result.steps
        latency = _batch_latency(done.committed_ms, batch.produced_ms)
        self._account(done.result, batch.messages, batch.started, offsets, latency)
        self._wake_relay()

    def _settle_quietly(self, consumer: confluent_kafka.Consumer) -> None:
        try:
            self._settle(consumer)
        except DatabaseUnavailable as exc:
            # Rolled back: nothing of it stays, and its messages are read again once repositioned.
            log.warning("PostgreSQL connection lost", error=str(exc))
            self._drop_connection()

    def _account(
        self,
        result: merge_batch.BatchResult,
        messages: int,
        started: float,
        offsets: dict[tuple[str, int], int],
        latency: dict[str, float],
    ) -> None:
        t = self.totals.totals
        t.events += result.events
        t.duplicates += result.duplicates
        t.stale += result.stale
        t.dead_letters += result.dead_letters
        t.new_children += result.new_children
        t.notices += result.notices
        t.refused += result.refused
        self.totals.batches += 1
        # One canonical line per batch; ids and counts only, never a child's data.
        log.info(
            "batch applied",
            messages=messages,
            applied=result.events,
            duplicates=result.duplicates,
            stale=result.stale,
            dead_letters=result.dead_letters,
            refused=result.refused,
            new_children=result.new_children,
            notices=result.notices,
            partitions=len(offsets),
            ms=round((time.perf_counter() - started) * 1000, 1),
            **result.steps,
            **latency,
        )

    def _idle(self, conn: psycopg.Connection) -> bool:
        if self._admin is None:
            self._admin = admin_client(self.settings.kafka)
        with faults.translated(), conn.cursor() as cur:
            caught_up = idle.caught_up(cur, self.topics, self.group_id, self._admin)
        return caught_up and self._others_caught_up()


def _batch_latency(committed_ms: float, produced_ms: list[int]) -> dict[str, float]:
    """The batch's own end-to-end latency, median and worst, for the log line (the run's
    percentiles are ``WorkerTotals.latency``'s): ``msix bench pipeline --plot`` draws them over time."""
    if not produced_ms:
        return {}
    ordered = sorted(produced_ms)
    return {
        "latency_p50_ms": round(committed_ms - ordered[len(ordered) // 2], 1),
        "latency_p99_ms": round(committed_ms - ordered[len(ordered) // 100], 1),
        "latency_max_ms": round(committed_ms - ordered[0], 1),
    }
