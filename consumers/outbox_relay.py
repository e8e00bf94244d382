"""The outbox relay: publishes what the merge transactions queued, then forgets it.

Rows are sent in id order and settled one by one by their delivery reports, in one transaction
holding the batch's locks: a row Kafka acknowledged is deleted, a row Kafka refused for good is
parked with its reason (``hub.store.parked_outbox``; which failures are for good:
``consumers.delivery_policy``), a row that failed for a passing reason stays and is sent again
after a capped back-off. So one bad row never jams the outbox, and a later failure never makes the
relay send again what was already delivered.

A crash between the acknowledgement and the delete sends a row again on restart: at least once on
the wire, exactly once in effect, since every message carries an id its readers de-duplicate by
(notice id, identity event id, rejection id). Stopping takes at most ``SHUTDOWN_GRACE_S``: rows
without a delivery report by then stay in the outbox for the next start.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import confluent_kafka
import psycopg
import structlog
import tenacity

from consumers.delivery_policy import Failure, Outcome, first_reasons, settle
from hub.config import DatabaseSettings, KafkaSettings, Settings
from hub.store import db, parked_outbox
from producers.producer import Producer, producer_config

log = structlog.get_logger(__name__)

# Within the worker supervisor's 8 s for every part to stop, with the teardown (a final commit, the
# client's purge) included: about ten seconds from a stop request to the process's exit at most.
SHUTDOWN_GRACE_S = 5.0
BACKOFF_S = 0.5  # the first back-off, and the jitter added to every one
BACKOFF_MAX_S = 30.0
# Fault injection for tests and `msix bench faults` (off unless set): with MSIX_FAULT_RELAY set to
# this, the relay kills its process (SIGKILL) once Kafka has acknowledged a batch and before its
# rows are deleted: the at-least-once window, which must send those rows again and lose none.
CRASH_AFTER_PRODUCE = "after-produce"


# What the relay's producer sets beyond the hub's common producer settings (producers.producer).
RELAY_OVERRIDES: dict[str, Any] = {
    # A report for every message, delivered or not: each row is deleted only once Kafka
    # acknowledged it, whatever happens to the rows around it.
    "delivery.report.only.error": False,
    # Hub topics exist long before a row names them (`msix topics apply`): a topic still unknown
    # after 5 s is a name nobody made, parked, not waited on for the default 30 s.
    "topic.metadata.propagation.max.ms": 5_000,
    # A message not acknowledged within a minute comes back as a transient failure: the relay keeps
    # the row, backs off, sends it again, and says so in its log meanwhile.
    "delivery.timeout.ms": 60_000,
    # Relayed messages come a few at a time after each merge batch: little to gain by lingering.
    "linger.ms": 5,
}


def relay_config(settings: KafkaSettings) -> dict[str, Any]:
    return producer_config(settings) | RELAY_OVERRIDES


class Grace:
    """Has ``stop`` been set for ``seconds`` already? The one clock for a relay's whole shutdown."""

    def __init__(self, stop: threading.Event, seconds: float) -> None:
        self._stop = stop
        self._seconds = seconds
        self._since: float | None = None

    def __call__(self) -> bool:
        if not self._stop.is_set():
            return False
        if self._since is None:
            self._since = time.monotonic()
        return time.monotonic() - self._since >= self._seconds


def _never() -> bool:
    return False


def _wait(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)


class TransientFailure(Exception):
    """Some rows of a batch could not be sent for a passing reason; they stay in the outbox."""


class OutboxRelay:
    """Sends batches of the outbox over one connection and one producer (made on first use)."""

    def __init__(
        self, conn: psycopg.Connection, config: dict[str, Any], batch: int = 5000, crash_point: str | None = None
    ) -> None:
        self._conn = conn
        self._config = config
        self._batch = batch
        self._crash_point = crash_point
        self._client: confluent_kafka.Producer | None = None
        self._broken = False  # a fatal producer error: a new client for the next batch
        self.sent = 0
        self.parked = 0

    def pump(self, expired: Callable[[], bool] = _never) -> Outcome:
        """Send one batch and settle it; waits for every row's report, or until ``expired()``."""
        with self._conn.transaction(), self._conn.cursor() as cur:
            rows = parked_outbox.take(cur, self._batch)
            if not rows:
                return Outcome()
            outcome = settle([r[0] for r in rows], self._send(rows, expired))
            if self._crash_point == CRASH_AFTER_PRODUCE and outcome.delivered:
                os.kill(os.getpid(), signal.SIGKILL)
            parked_outbox.delete(cur, outcome.delivered)
            parked_outbox.park(cur, [(row_id, f.name, f.reason) for row_id, f in outcome.parked])
        self._account(outcome, {r[0]: r[1] for r in rows})
        return outcome

    def drain(self, expired: Callable[[], bool] = _never) -> int:
        """Send until the outbox is empty, a row must wait, or ``expired()``; returns rows sent."""
        total = 0
        while not expired():
            outcome = self.pump(expired)
            total += len(outcome.delivered)
            if not outcome.rows or outcome.retry or outcome.unreported:
                break
        return total

    def close(self, timeout: float = 1.0) -> None:
        """Hand over what is queued within ``timeout``, drop the rest: their rows are still in the outbox."""
        if self._client is not None:
            self._client.flush(timeout)
            self._client.purge()
            self._client.flush(0)
            self._client = None

    def _producer(self) -> confluent_kafka.Producer:
        if self._broken:
            self.close(0)
            self._broken = False
        if self._client is None:
            self._client = confluent_kafka.Producer(self._config)
        return self._client

    def _send(self, rows: list[parked_outbox.OutboxRow], expired: Callable[[], bool]) -> dict[int, Failure | None]:
        client = self._producer()
        reports: dict[int, Failure | None] = {}
        for row_id, topic, key, value in rows:
            self._produce(client, reports, row_id, topic, key, value)
        while len(reports) < len(rows) and not expired():
            client.flush(0.1)  # sends at once and serves delivery reports
        return reports

    def _produce(
        self,
        client: confluent_kafka.Producer,
        reports: dict[int, Failure | None],
        row_id: int,
        topic: str,
        key: bytes,
        value: bytes,
    ) -> None:
        def report(err: confluent_kafka.KafkaError | None, _: confluent_kafka.Message) -> None:
            reports[row_id] = None if err is None else Failure.of(err)
            if err is not None and err.fatal():
                self._broken = True

        while True:
            try:
                client.produce(topic, value, key, on_delivery=report)
                return
            except BufferError:
                client.poll(0.1)  # the local queue is full: serve reports to make room
            except confluent_kafka.KafkaException as exc:  # refused before sending (too large...)
                report(exc.args[0], None)  # type: ignore[arg-type]
                return

    def _account(self, outcome: Outcome, topics: dict[int, str]) -> None:
        self.sent += len(outcome.delivered)
        self.parked += len(outcome.parked)
        for row_id, failure in outcome.parked:
            # Ids, topics and reasons only: the value may hold a child's name.
            log.error("outbox row parked", outbox_id=row_id, topic=topics[row_id], error=failure.name,
                      reason=failure.reason)  # fmt: skip
        if outcome.retry:
            log.warning("outbox rows kept for a retry", rows=len(outcome.retry), errors=first_reasons(outcome.retry))
            raise TransientFailure(f"{len(outcome.retry)} row(s): {', '.join(first_reasons(outcome.retry))}")


class OutboxRelayService:
    """The relay as a runnable: ``run(stop)`` until ``stop`` is set, then at most ``grace`` seconds
    more to hand over what the last batches queued. ``wake()`` after a commit that queued rows."""

    name = "outbox-relay"

    def __init__(
        self,
        database: DatabaseSettings,
        config: dict[str, Any],
        grace: float = SHUTDOWN_GRACE_S,
        crash_point: str | None = None,
    ) -> None:
        self._database = database
        self._config = config
        self._grace = grace
        self._crash_point = crash_point
        self._wake = threading.Event()
        self.sent = 0
        self.parked = 0

    @classmethod
    def of(cls, settings: Settings) -> OutboxRelayService:
        # The fault point is read here, once, at the relay's start (CRASH_AFTER_PRODUCE).
        return cls(settings.database, relay_config(settings.kafka), crash_point=os.environ.get("MSIX_FAULT_RELAY"))

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        expired = Grace(stop, self._grace)
        with db.connect(self._database) as conn:
            relay = OutboxRelay(conn, self._config, crash_point=self._crash_point)
            try:
                self._serve(relay, stop, expired)
                relay.drain(expired)  # what the last batches queued
            except TransientFailure:
                pass  # those rows stay in the outbox for the next start
            finally:
                relay.close(0.5)
                self.sent, self.parked = relay.sent, relay.parked

    def _serve(self, relay: OutboxRelay, stop: threading.Event, expired: Grace) -> None:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientFailure),
            # Capped exponential back-off with jitter: a broker that is down is not hammered, and
            # several relays do not retry in step.
            wait=tenacity.wait_exponential_jitter(multiplier=BACKOFF_S, max=BACKOFF_MAX_S, jitter=BACKOFF_S),
            stop=tenacity.stop_when_event_set(stop),
            sleep=lambda seconds: _wait(stop, seconds),  # a stop request ends the back-off at once
            reraise=True,
        )
        while not stop.is_set():
            outcome = retrying(relay.pump, expired)
            self.sent, self.parked = relay.sent, relay.parked
            if not outcome.rows:
                self._wake.wait(0.05)
                self._wake.clear()


class RelayThread(threading.Thread):
    """Relays the outbox beside the merge loop, so the worker's next batch need not wait for Kafka's
    acknowledgements (the waits release the GIL). Woken after each commit; polls every 50 ms. An
    error (the database gone) is kept in ``error`` for the merge loop."""

    def __init__(self, settings: Settings | DatabaseSettings, producer: Producer | None = None) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        if isinstance(settings, Settings):
            self.service = OutboxRelayService.of(settings)
        else:
            # The former call shape (database settings and the worker's producer), until the worker
            # passes its Settings: the relay's own client, on the producer's connection settings.
            assert producer is not None, "RelayThread(Settings) or RelayThread(DatabaseSettings, Producer)"
            base: dict[str, Any] = dict(producer._config)
            self.service = OutboxRelayService(settings, base | RELAY_OVERRIDES)
        self._halt = threading.Event()
        self.error: BaseException | None = None

    @property
    def sent(self) -> int:
        return self.service.sent

    def wake(self) -> None:
        self.service.wake()

    def run(self) -> None:
        try:
            self.service.run(self._halt)
        except BaseException as exc:  # reported to the merge loop, which stops the worker
            self.error = exc

    def stop(self) -> None:
        self._halt.set()
        self.service.wake()
        self.join()
