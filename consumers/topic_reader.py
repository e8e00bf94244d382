"""Reading one topic as a stream of decoded values: what ``msix notices follow`` and
``msix rejected`` print. At least once, de-duplicated by each value's id, offsets committed after
the values were handed on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import confluent_kafka
import structlog

import schemas
from consumers.kafka_config import consumer_config, position
from hub.config import KafkaSettings
from hub.errors import AccessDenied
from producers.client_config import principal

log = structlog.get_logger(__name__)


@dataclass
class ReadStats:
    skipped: int = 0  # messages that were not a value of the topic (logged with their position)
    other: int = 0  # values of a schema this reader does not take (another kind on a shared topic)


def read_topic(
    settings: KafkaSettings,
    topic: str,
    group_id: str,
    id_field: str,
    from_beginning: bool = False,
    until_idle: bool = False,
    poll_timeout: float = 1.0,
    stats: ReadStats | None = None,
    accept: tuple[str, ...] = (),
) -> Iterator[dict[str, Any]]:
    """The values on ``topic``; with ``accept``, only those written with one of these schemas (a
    topic carrying two kinds, ``datarequest.ST``): the others are passed over quietly, committed."""
    consumer = confluent_kafka.Consumer(consumer_config(settings, group_id))
    try:
        yield from _read(
            consumer, settings, topic, id_field, from_beginning, until_idle, poll_timeout, stats or ReadStats(), accept
        )
    except confluent_kafka.KafkaException as exc:
        refusal(settings, topic, exc.args[0])
        raise
    finally:
        consumer.close()


def _read(
    consumer: confluent_kafka.Consumer,
    settings: KafkaSettings,
    topic: str,
    id_field: str,
    from_beginning: bool,
    until_idle: bool,
    poll_timeout: float,
    stats: ReadStats,
    accept: tuple[str, ...],
) -> Iterator[dict[str, Any]]:
    partitions = _partitions(consumer, settings, topic)
    if partitions is None:
        if until_idle:
            return  # the topic does not exist yet: nothing to read
        consumer.subscribe([topic])
    elif from_beginning:
        consumer.assign(
            [confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions]
        )
    else:
        consumer.subscribe([topic])  # resume where this group last committed
    seen: set[str] = set()
    while True:
        messages = consumer.consume(num_messages=500, timeout=poll_timeout)
        positions: dict[tuple[str, int], int] = {}
        for msg in messages:
            err = msg.error()
            if err is not None:
                refusal(settings, topic, err)
                log.warning("consume error", topic=topic, error=err.str())
                continue
            name, partition, offset = position(msg)
            positions[(name, partition)] = offset + 1
            value = _value(msg.value(), id_field, accept)
            if value is None:
                stats.other += 1
                continue
            if isinstance(value, str):
                # Where and why, never the bytes; the reader goes on with the next message.
                stats.skipped += 1
                log.warning("message skipped", topic=name, partition=partition, offset=offset, reason=value)
                continue
            if value[id_field] in seen:
                continue
            seen.add(value[id_field])
            yield value
        if positions:
            # The caller has handed on every value of this batch: now it is safe to commit.
            done = [confluent_kafka.TopicPartition(t, p, o) for (t, p), o in positions.items()]
            consumer.commit(offsets=done, asynchronous=False)
        elif until_idle and _caught_up(consumer):
            return


def _value(data: bytes | None, id_field: str, accept: tuple[str, ...]) -> dict[str, Any] | str | None:
    """The decoded value, or why it cannot be used: a state may write anything to the topics it
    owns (``state.ST.rejected``), so nothing in a message may stop the reader. None: a value of a
    schema not in ``accept`` (not this reader's)."""
    try:
        name, value = schemas.decode(data or b"")
    except schemas.SchemaError as exc:
        return f"undecodable ({type(exc).__name__}): {str(exc)[:120]}"
    except Exception as exc:  # the codec's own failure on hostile bytes
        return f"undecodable ({type(exc).__name__})"
    if accept and name not in accept:
        return None
    if not isinstance(value.get(id_field), str):
        return f"no {id_field}: not a value of this topic"
    return value


def refusal(settings: KafkaSettings, topic: str, err: confluent_kafka.KafkaError) -> None:
    """Raise AccessDenied, in one line, if ``err`` is the broker refusing this principal."""
    if err.code() in (
        confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED,
        confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED,
        confluent_kafka.KafkaError._AUTHENTICATION,
    ):
        raise AccessDenied(f"Kafka refused {principal(settings)} reading {topic}: {err.str()}")


def _partitions(consumer: confluent_kafka.Consumer, settings: KafkaSettings, topic: str) -> list[int] | None:
    meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if meta is not None and meta.error is not None:
        refusal(settings, topic, meta.error)
    if meta is None or meta.error is not None:
        return None
    return sorted(meta.partitions)


def _caught_up(consumer: confluent_kafka.Consumer) -> bool:
    assigned = consumer.assignment()
    if not assigned:
        return False
    for tp in consumer.position(assigned):
        low, high = consumer.get_watermark_offsets(tp, timeout=10, cached=False)
        position = tp.offset if tp.offset >= 0 else low
        if position < high:
            return False
    return True
