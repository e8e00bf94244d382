"""Consumer settings shared by the hub's consumers, each with the reason it is what it is."""

from __future__ import annotations

from typing import Any

from confluent_kafka import Message

from hub.config import KafkaSettings
from producers.client_config import client_config


def consumer_config(settings: KafkaSettings, group_id: str) -> dict[str, Any]:
    return client_config(settings) | {
        "group.id": group_id,
        # Offsets are committed by hand, only after the database has committed the batch's effects;
        # auto-commit could mark a message done that a crash then loses.
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        # Round robin over every matched topic's partitions: workers share the states evenly (the
        # default range assignor splits each three-partition topic 2:1, all in the first worker's
        # favour). Eager rebalancing suits the worker: its assignment callback seeks each partition
        # to the database's offset, and it holds no batch across a consume() call.
        "partition.assignment.strategy": "roundrobin",
        # A partition this group has never read starts at its beginning: nothing is skipped.
        "auto.offset.reset": "earliest",
        # New state topics are picked up by the pattern subscription within ten seconds.
        "topic.metadata.refresh.interval.ms": 10_000,
        # A batch (decode, one transaction, commit) takes well under a second; five minutes of
        # silence means the worker is stuck, and its partitions should move to another worker.
        "max.poll.interval.ms": 300_000,
        # Prefetch bounded to 8 MB queued: two batches of 5,000 records ahead, and the worker's
        # memory stays flat however large the backlog (librdkafka's default queues up to 64 MB).
        # Measured (500,000 events, two workers): 16 MB gave a largest worker of 302-320 MB, 8 MB
        # 276-283 MB, the merge rate the same.
        "queued.max.messages.kbytes": 8 * 1024,
        "queued.min.messages": 10_000,
        "max.partition.fetch.bytes": 1024 * 1024,
        # A fetch response stays in memory until the last of its messages is consumed, and one
        # response holds slices of many partitions while a batch takes from few: over the 46
        # states' topics on three brokers, a consumer with the worker's settings reading slowly held
        # 189-249 MB with 8 MB fetches, 105-114 MB with 2 MB and 85 MB with 1 MB (42 MB before it
        # subscribes). 2 MB still reads 63,000 messages/s (8 MB: 67,000; 1 MB: 51,000), ten times
        # what a worker merges. `msix bench pipeline --events 1000000 --states 46 --workers 2` on
        # three brokers: the largest worker 259 MB with 2 MB, 358 MB with 8 MB (merge 8,454 and
        # 7,856 events/s).
        "fetch.max.bytes": 2 * 1024 * 1024,
    }


def position(msg: Message) -> tuple[str, int, int]:
    """Topic, partition and offset of a consumed message (never None for one without an error)."""
    topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError("a consumed message without a position")
    return topic, partition, offset
