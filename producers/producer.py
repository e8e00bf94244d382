"""The one way the hub writes to Kafka: an idempotent producer that surfaces every failed delivery."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

import confluent_kafka
import structlog

from hub.config import KafkaSettings
from hub.errors import AccessDenied, DeliveryError
from producers.client_config import client_config, principal

log = structlog.get_logger(__name__)

# The broker's refusals of this principal: no retry can change them, so they are reported as such.
DENIED = frozenset(
    {
        confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED,
        confluent_kafka.KafkaError.CLUSTER_AUTHORIZATION_FAILED,
        confluent_kafka.KafkaError._AUTHENTICATION,
    }
)


MESSAGE_MAX_BYTES = 1_000_000
"""The largest message (key, value and record overhead) the client sends. librdkafka's default,
said here so the connector can check before sending: the broker's default ``max.message.bytes``
(1,048,588 for a whole batch) is a little above it, so a message the client takes the broker takes."""
_OVERHEAD = 1024
"""Bytes kept for a record's framing (lengths, timestamp, headers) next to its key and value."""


class MessageTooLarge(DeliveryError):
    """A message over ``MESSAGE_MAX_BYTES``: Kafka would refuse it however often it is sent."""


def producer_config(settings: KafkaSettings) -> dict[str, Any]:
    return client_config(settings) | {
        # Retries after a timeout can neither duplicate nor reorder a message within a partition:
        # the broker drops a retried batch it already has, by producer id and sequence number.
        "enable.idempotence": True,
        # Acknowledged only once every in-sync replica has it; required by idempotence anyway.
        "acks": "all",
        # Idempotence keeps order with up to 5 requests in flight; more throughput than 1.
        "max.in.flight.requests.per.connection": 5,
        # Waiting up to 20 ms fills larger batches: far fewer requests for bulk submissions, and a
        # delay no person notices. lz4 is the cheapest codec on CPU, which is what 2 cores lack.
        "linger.ms": 20,
        "batch.size": 512 * 1024,
        "compression.type": "lz4",
        # A message not delivered in two minutes is reported as failed, never silently dropped.
        "delivery.timeout.ms": 120_000,
        # Room for a large submission in the client's queue before produce() has to wait.
        "queue.buffering.max.messages": 500_000,
        # Only failed deliveries come back to Python: a report per delivered message cost the Ed-Fi
        # benchmark about 1.5 µs of CPU a message (5.0-5.4 -> 3.4-3.8 µs on 40,000 messages) and
        # nothing reads them; flush() still waits for every message, and a failure is still raised.
        "delivery.report.only.error": True,
        "message.max.bytes": MESSAGE_MAX_BYTES,
    }


_POLL_EVERY = 1000


class Producer:
    """Keyed sends, with failures collected by the delivery callback and raised by ``flush``."""

    def __init__(self, settings: KafkaSettings, extra: dict[str, Any] | None = None) -> None:
        self._config = producer_config(settings) | (extra or {})
        self._principal = principal(settings)
        self._denied: list[str] = []
        self._producer: confluent_kafka.Producer | None = None  # connects on first send
        self._failures: list[str] = []
        self._unpolled = 0
        """Sends since delivery reports were last served (see ``send``)."""

    def _client(self) -> confluent_kafka.Producer:
        if self._producer is None:
            # One delivery callback for every message, set once, rather than one handed over with each
            # produce(): the client then keeps no Python reference per message in flight. With the poll
            # every _POLL_EVERY sends: 3.7-4.6 µs of CPU a message against 5.0-5.6 µs before (200,000
            # messages of 380 bytes, security on, two runs each, 2026-11-30).
            self._producer = confluent_kafka.Producer(self._config | {"on_delivery": self._on_delivery})
        return self._producer

    def _on_delivery(self, err: confluent_kafka.KafkaError | None, msg: confluent_kafka.Message) -> None:
        # Only failures are reported (delivery.report.only.error); a refusal by the authorizer is told apart.
        if err is None:
            return
        if err.code() in DENIED:
            self._denied.append(f"{msg.topic()}: {err.str()}")
        else:
            self._failures.append(f"{msg.topic()}: {err.str()}")

    room = MESSAGE_MAX_BYTES - _OVERHEAD
    """Bytes of key and value together that Kafka takes in one message (``send`` raises
    MessageTooLarge beyond): a sender with many messages compares lengths with it, not a call each."""

    @classmethod
    def fits(cls, key: bytes, value: bytes) -> bool:
        """Whether Kafka takes a message of this key and value."""
        return len(key) + len(value) <= cls.room

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        client = self._client()
        while True:
            try:
                client.produce(topic, value, key)
                break
            except BufferError:
                # The local queue is full: serve delivery reports to make room, then retry.
                client.poll(0.1)
            except confluent_kafka.KafkaException as exc:
                if exc.args[0].code() != confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE:
                    raise
                # Refused by the client before it is queued: the size is said, never the content.
                size = len(key) + len(value)
                limit = MESSAGE_MAX_BYTES
                raise MessageTooLarge(f"{topic}: a message of {size:,} bytes; Kafka takes {limit:,}") from None
        # Delivery reports are served every _POLL_EVERY sends, not after each: only failures come back
        # (delivery.report.only.error), so there is rarely anything to serve, and a poll per message
        # cost ~1 µs of the Ed-Fi connector's ~4-5 µs a message.
        # flush() serves whatever is left; a long-lived sender that pauses calls poll().
        self._unpolled += 1
        if self._unpolled >= _POLL_EVERY:
            self._unpolled = 0
            client.poll(0)

    def poll(self) -> None:
        """Serve delivery reports (a long-lived sender that pauses calls this)."""
        if self._producer is not None:
            self._producer.poll(0)

    def flush(self, timeout: float = 120.0) -> None:
        """Wait for every message sent so far; raise ``DeliveryError`` if any was not delivered."""
        if self._producer is None:
            return
        # In short steps: an error callback's exception (a refused login) comes out of flush only
        # when a flush call returns, and one long call would hold it for the whole timeout.
        deadline = time.monotonic() + timeout
        remaining = self._producer.flush(min(timeout, 0.5))
        while remaining and time.monotonic() < deadline:
            remaining = self._producer.flush(min(0.5, max(deadline - time.monotonic(), 0)))
        if remaining:
            self._failures.append(f"{remaining} message(s) still undelivered after {timeout:.0f} s")
        if self._denied:
            denied, self._denied = self._denied, []
            raise AccessDenied(f"Kafka refused {self._principal} writing to {denied[0]}")
        if self._failures:
            failures, self._failures = self._failures, []
            raise DeliveryError(f"{len(failures)} delivery failure(s), first: {failures[0]}")

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> Producer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
        elif self._producer is not None:
            self._producer.flush(5)  # on an error, still try to hand over what was queued
