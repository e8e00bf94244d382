"""Is every input consumed? For ``msix worker --until-idle``."""

from __future__ import annotations

import re

import confluent_kafka

PartitionKey = tuple[str, int]


def unconsumed(
    consumer: confluent_kafka.Consumer, pattern: str, positions: dict[PartitionKey, int]
) -> dict[PartitionKey, int]:
    """Messages left per partition of every topic matching ``pattern``, given the next offsets the
    database says the group has applied. Empty when all is consumed."""
    matcher = re.compile(pattern)
    left: dict[PartitionKey, int] = {}
    metadata = consumer.list_topics(timeout=10)
    for name, topic in metadata.topics.items():
        if not matcher.match(name):
            continue
        for partition in topic.partitions:
            low, high = consumer.get_watermark_offsets(
                confluent_kafka.TopicPartition(name, partition), timeout=10, cached=False
            )
            position = max(positions.get((name, partition), low), low)
            if high > position:
                left[(name, partition)] = high - position
    return left
