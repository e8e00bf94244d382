"""Looking at topics directly, below the hub's own readers (which de-duplicate)."""

from __future__ import annotations

from confluent_kafka import TopicPartition
from confluent_kafka.admin import OffsetSpec

from hub.config import KafkaSettings
from producers.admin import admin_client


def message_count(settings: KafkaSettings, topic: str) -> int:
    """How many messages a topic holds, counted from its offsets: every copy, duplicates included."""
    admin = admin_client(settings)
    meta = admin.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p) for p in meta.partitions]
    ends = admin.list_offsets({tp: OffsetSpec.latest() for tp in parts})
    starts = admin.list_offsets({tp: OffsetSpec.earliest() for tp in parts})
    return sum(ends[tp].result().offset - starts[tp].result().offset for tp in parts)
