"""Is every input consumed? For ``msix worker --until-idle``."""

from __future__ import annotations

import re

import confluent_kafka
from confluent_kafka.admin import AdminClient, OffsetSpec

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
