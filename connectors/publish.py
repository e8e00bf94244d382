"""A state's connector, the I/O shell: publish a checked submission's items to the state's topics.

Whatever the format (an MDE CSV folder, a folder of Ed-Fi XML interchanges), the reading side yields
accepted records and rejections (``connectors.items``). Accepted records go to ``state.ST.records``
keyed by the state student id (students first, so the hub meets a child before their records); each
rejection goes to ``state.ST.rejected`` with its file, line, column (or element path) and reason. A
submission refused as a whole publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import schemas
from connectors.items import Accepted, Item, SubmissionSummary
from hub.config import KafkaSettings
from producers.producer import Producer
from producers.topics import Topics

Progress = Callable[[int, int], None]  # (bytes read, total bytes)


class Submission(Protocol):
    """What a connector's reader hands the shell: a fresh stream of items on each ``items()``."""

    @property
    def state(self) -> str: ...

    @property
    def bytes_read(self) -> int: ...

    @property
    def total_bytes(self) -> int: ...

    @property
    def summary(self) -> SubmissionSummary: ...

    def items(self) -> Iterator[Item]: ...


def publish(
    settings: KafkaSettings,
    submission: Submission,
    progress: Progress | None = None,
    producer: Producer | None = None,
) -> SubmissionSummary:
    """Publish a submission its reader accepted as a whole.

    With its own producer it returns once Kafka acknowledged every item (or raises DeliveryError);
    with the caller's ``producer`` (many submissions in a row) the caller's ``flush`` does that.
    """
    if producer is None:
        with Producer(settings) as own:
            return publish(settings, submission, progress, own)
    topics = Topics(settings.topic_prefix)
    records_topic, rejected_topic = topics.records(submission.state), topics.rejected(submission.state)
    for n, item in enumerate(submission.items()):
        key = (item.key or "").encode()
        if isinstance(item, Accepted):
            producer.send(records_topic, key, schemas.encode(item.family, item.record))
        else:
            producer.send(rejected_topic, key, schemas.encode("RejectedRecord", item.record))
        if progress is not None and n % 2000 == 0:
            progress(submission.bytes_read, submission.total_bytes)
    if progress is not None:
        progress(submission.total_bytes, submission.total_bytes)
    return submission.summary


publish_mde = publish
"""The name the MDE connector's callers have used."""
