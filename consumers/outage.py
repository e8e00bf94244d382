"""Waiting for PostgreSQL without losing the worker's Kafka partitions.

While the database is away the worker pauses its partitions and keeps calling the consumer's poll
(a member that stops polling for ``max.poll.interval.ms`` is thrown out of the group, and its
partitions with it), reconnecting with capped exponential back-off and jitter. Once back, every
assigned partition is sought to the offset the database holds, and resumed: the database, not
Kafka and not the batch in hand, says where work resumes (a COMMIT whose answer was lost may have
landed, or not).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import confluent_kafka
import psycopg
import structlog
import tenacity

from hub.config import DatabaseSettings
from hub.errors import DatabaseUnavailable, InfraError
from hub.store import effects, faults

log = structlog.get_logger(__name__)

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 30.0  # an outage of minutes is retried twice a minute, not hammered
POLL_SLICE_S = 0.2  # the consumer is polled at least this often while waiting; a stop ends a wait at once
CONNECT_TIMEOUT_S = 3  # one connection attempt; bounds how long a signal waits during an outage


@dataclass
class Health:
    """What the worker says of its database: read by its log lines and by whoever reports status."""

    waiting_for_database: bool = False
    since: float | None = None
    attempts: int = 0
    outages: int = 0


def wait_for_database(
    settings: DatabaseSettings,
    consumer: confluent_kafka.Consumer,
    stop: threading.Event,
    health: Health,
) -> psycopg.Connection | None:
    """A new connection, once PostgreSQL answers; None if stopped first. The consumer's partitions
    stay paused (the caller repositions and resumes them)."""
    consumer.pause(consumer.assignment())
    health.waiting_for_database, health.since, health.attempts = True, time.monotonic(), 0
    health.outages += 1

    def before_sleep(state: tenacity.RetryCallState) -> None:
        health.attempts = state.attempt_number
        delay = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        log.warning("waiting for PostgreSQL", attempt=state.attempt_number, delay_s=round(delay, 2), error=str(error))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(DatabaseUnavailable),
        # Capped exponential back-off with jitter: a restarting server is not hammered, and several
        # workers do not reconnect in step.
        wait=tenacity.wait_exponential_jitter(initial=BACKOFF_INITIAL_S, max=BACKOFF_MAX_S),
        stop=tenacity.stop_when_event_set(stop),
        sleep=lambda seconds: _poll_for(consumer, stop, seconds),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        conn: psycopg.Connection = retrying(faults.connect, settings, CONNECT_TIMEOUT_S)
    except DatabaseUnavailable:
        return None  # stopped while waiting
    log.info("PostgreSQL is back", attempts=health.attempts + 1, waited_s=round(time.monotonic() - health.since, 1))
    health.waiting_for_database, health.since = False, None
    return conn


def _poll_for(consumer: confluent_kafka.Consumer, stop: threading.Event, seconds: float) -> None:
    """Sleep, polling: serves the group's heartbeats and rebalances. A message that still arrives
    (fetched before the pause) is dropped: the reposition reads it again."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        consumer.poll(min(POLL_SLICE_S, left))


def reposition(conn: psycopg.Connection, consumer: confluent_kafka.Consumer, group_id: str) -> None:
    """Seek every assigned partition to the database's offset, then resume them."""
    with faults.translated(), conn.transaction(), conn.cursor() as cur:
        saved = effects.load_offsets(cur, group_id)
    assigned = consumer.assignment()
    for tp in assigned:
        offset = saved.get((tp.topic, tp.partition), confluent_kafka.OFFSET_BEGINNING)
        _seek(consumer, confluent_kafka.TopicPartition(tp.topic, tp.partition, offset))
    consumer.resume(assigned)
    log.info("partitions repositioned from the database", partitions=len(assigned))


def _seek(consumer: confluent_kafka.Consumer, tp: confluent_kafka.TopicPartition) -> None:
    # A partition assigned moments ago may not be ready to seek ("erroneous state") until its
    # fetcher starts: poll and try again, briefly.
    for _ in range(50):
        try:
            consumer.seek(tp)
            return
        except confluent_kafka.KafkaException as exc:
            if exc.args[0].code() != confluent_kafka.KafkaError._STATE:
                raise
            consumer.poll(0.1)
    # The merge part fails, and the supervisor starts it afresh: a new consumer, assigned from the database.
    raise InfraError(f"could not reposition {tp.topic}[{tp.partition}]")
