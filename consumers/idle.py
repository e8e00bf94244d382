"""Is every input consumed? For ``msix worker --until-idle``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import confluent_kafka
import psycopg
from confluent_kafka import ConsumerGroupState, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, OffsetSpec

from hub.config import Settings
from hub.errors import InfraError
from hub.store import effects
from producers.admin import admin_client
from producers.topics import Topics

PartitionKey = tuple[str, int]


def unconsumed(admin: AdminClient, pattern: str, positions: dict[PartitionKey, int]) -> dict[PartitionKey, int]:
    """Messages left per partition of every topic matching ``pattern``, given the next offsets the
    database says the group has applied. Empty when all is consumed."""
    matcher = re.compile(pattern)
    metadata = admin.list_topics(timeout=10)
    partitions = [
        confluent_kafka.TopicPartition(name, p)
        for name, topic in metadata.topics.items()
        if matcher.match(name)
        for p in topic.partitions
    ]
    if not partitions:
        return {}
    # One request for every partition's end and one for its start (a consumer's per-partition
    # watermark query waits on its fetch loop, half a second each).
    ends = _offsets(admin, partitions, OffsetSpec.latest())
    starts = _offsets(admin, partitions, OffsetSpec.earliest())
    left: dict[PartitionKey, int] = {}
    for key, high in ends.items():
        position = max(positions.get(key, starts[key]), starts[key])
        if high > position:
            left[key] = high - position
    return left


def _offsets(
    admin: AdminClient, partitions: list[confluent_kafka.TopicPartition], spec: OffsetSpec
) -> dict[PartitionKey, int]:
    futures = admin.list_offsets({tp: spec for tp in partitions}, request_timeout=10)
    return {(tp.topic, tp.partition): future.result().offset for tp, future in futures.items()}


def caught_up(cur: psycopg.Cursor, topics: Topics, group_id: str, admin: AdminClient) -> bool:
    """Has the merge group applied every record published so far, and sent every outbox row?"""
    cur.execute("SELECT count(*) FROM outbox")
    pending = cur.fetchone()
    positions = effects.load_offsets(cur, group_id)
    cur.connection.commit()  # end the read-only transaction: nothing stays open between polls
    return pending == (0,) and not unconsumed(admin, topics.records_pattern, positions)


def wait_caught_up(settings: Settings, group_id: str, alive: Callable[[], bool], timeout: float = 600.0) -> None:
    """Wait until a merge worker running elsewhere has caught up (``alive`` says it still runs)."""
    admin = admin_client(settings.kafka)
    topics = Topics(settings.kafka.topic_prefix)
    deadline = time.monotonic() + timeout
    with psycopg.connect(settings.database.libpq_url) as conn, conn.cursor() as cur:
        while not caught_up(cur, topics, group_id, admin):
            if not alive():
                raise InfraError("the worker stopped before catching up; run `msix worker` to see why")
            if time.monotonic() > deadline:
                raise InfraError(f"the worker did not catch up within {timeout:.0f} s")
            time.sleep(0.1)


# A broker that has just started may not have loaded the group's coordinator yet: asked again.
_COORDINATOR_NOT_READY = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}


def group_assigned(admin: AdminClient, group_id: str, count: int) -> bool:
    """Whether the group is stable with ``count`` or more members holding partitions: no rebalance
    under way, and no member still joining."""
    try:
        described = admin.describe_consumer_groups([group_id])[group_id].result()
    except KafkaException as exc:
        if exc.args[0].code() in _COORDINATOR_NOT_READY or exc.args[0].retriable():
            return False
        raise
    holding = [m for m in described.members if m.assignment.topic_partitions]
    return described.state == ConsumerGroupState.STABLE and len(holding) >= count
