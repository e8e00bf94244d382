"""A state's connector, the I/O shell: publish a checked submission's items to the state's topics.

Whatever the format (an MDE CSV folder, a folder of Ed-Fi XML interchanges), the reading side yields
accepted records and rejections (``connectors.items``). Accepted records go to ``state.ST.records``
keyed by the state student id (students first, so the hub meets a child before their records); each
rejection goes to ``state.ST.rejected`` with its file, line, column (or element path) and reason. A
submission refused as a whole publishes nothing. A record Kafka would refuse for its size is a
rejection too, never the end of the submission: whatever limits the readers check, the bytes sent
are checked here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.sharedctypes import Synchronized
from typing import Protocol, Self

import schemas
from connectors.items import Accepted, FileSummary, Item, Rejected, SubmissionSummary, Where, rejection
from hub.config import KafkaSettings
from producers.producer import MESSAGE_MAX_BYTES, Producer
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


class Shareable(Submission, Protocol):
    """A submission that can be read in shares, one per process (see ``connectors.edfi.reader.Share``)."""

    def share(self, index: int, count: int) -> Self: ...


def publish(
    settings: KafkaSettings,
    submission: Submission,
    progress: Progress | None = None,
    producer: Producer | None = None,
) -> SubmissionSummary:
    """Publish a submission its reader accepted as a whole.

    With its own producer it returns once Kafka acknowledged every item (or raises DeliveryError);
    with the caller's ``producer`` (many submissions in a row) the caller's ``flush`` does that.
    A record too large for Kafka is published as a rejection instead (``_too_large``).
    """
    if producer is None:
        with Producer(settings) as own:
            return publish(settings, submission, progress, own)
    topics = Topics(settings.topic_prefix)
    records_topic, rejected_topic = topics.records(submission.state), topics.rejected(submission.state)
    room = producer.room  # compared inline: this loop runs once a record, ~4 µs each
    for n, item in enumerate(submission.items()):
        key = (item.key or "").encode()
        if isinstance(item, Accepted):
            value = schemas.encode(item.family, item.record)
            if len(key) + len(value) <= room:
                producer.send(records_topic, key, value)
            else:
                _count_rejected(submission.summary, item.file)
                _send_rejection(producer, rejected_topic, _too_large(item, len(key) + len(value)))
        else:
            _send_rejection(producer, rejected_topic, item)
        if progress is not None and n % 2000 == 0:
            progress(submission.bytes_read, submission.total_bytes)
    if progress is not None:
        progress(submission.total_bytes, submission.total_bytes)
    return submission.summary


def _send_rejection(producer: Producer, topic: str, item: Rejected) -> None:
    key, value = (item.key or "").encode(), schemas.encode("RejectedRecord", item.record)
    if not producer.fits(key, value):  # a student id or a reason of a megabyte: the place is enough
        item = _trimmed(item)
        key, value = b"", schemas.encode("RejectedRecord", item.record)
    producer.send(topic, key, value)


_KEPT = 1000
"""Characters of a rejection's texts kept when the rejection itself would be too large for Kafka."""


def _trimmed(item: Rejected) -> Rejected:
    record = dict(item.record, state_student_id=None)
    for name in ("file", "column", "reason"):
        if isinstance(record.get(name), str):
            record[name] = record[name][:_KEPT]
    return Rejected(None, record)


def _too_large(item: Accepted, size: int) -> Rejected:
    """The rejection of a record Kafka would refuse: its place, its size and its largest field
    (by name and length: a rejection never quotes the value)."""
    record = item.record
    texts = {name: len(value) for name, value in record.items() if isinstance(value, str)}
    largest = max(texts, key=texts.__getitem__) if texts else None
    reason = f"record too large for Kafka: {size:,} bytes encoded, at most {MESSAGE_MAX_BYTES:,}" + (
        f" (largest field: {largest}, {texts[largest]:,} characters)" if largest else ""
    )
    where = Where(record["state"], record["submission_id"], record["source_ts"])
    sid = item.key if len(item.key) <= _KEPT else None
    return rejection(where, item.file, item.line, largest, reason, item.family, sid)


def _count_rejected(summary: SubmissionSummary, file: str) -> None:
    """The reader counted the record as accepted in its file's summary: it is a rejection now."""
    for counts in summary.files:
        if counts.file == file:
            counts.accepted -= 1
            counts.rejected += 1
            return


def publish_shared(
    settings: KafkaSettings, submission: Shareable, processes: int, progress: Progress | None = None
) -> SubmissionSummary:
    """Publish ``submission`` in ``processes`` shares side by side: share 0 here, each other one in a
    process of its own with its own idempotent producer; returns once Kafka acknowledged every item
    of every share (or raises the first share's error).

    A Python process uses one core for the reading, mapping and encoding; the shares use the others.
    Each child's records are in one share, so they keep their order on their key. Processes are
    spawned, not forked: a fork would copy a running progress bar's or librdkafka's threads' locks.
    """
    if processes <= 1:
        return publish(settings, submission, progress)
    ctx = multiprocessing.get_context("spawn")
    done = [ctx.Value("q", 0, lock=False) for _ in range(processes)]  # bytes read by each share

    def tell(read: int, total: int) -> None:
        done[0].value = read
        if progress is not None:
            progress(sum(d.value for d in done) // processes, total)

    with ProcessPoolExecutor(processes - 1, mp_context=ctx, initializer=_bytes_read, initargs=(done,)) as pool:
        others = [pool.submit(_publish_share, settings, submission.share(i, processes), i) for i in range(1, processes)]
        summaries = [publish(settings, submission.share(0, processes), tell)]
        summaries += [f.result() for f in others]
    if progress is not None:
        progress(submission.total_bytes, submission.total_bytes)
    return _added(summaries)


_done: list[Synchronized[int]] = []
"""In a share's process: where each share tells how many bytes it has read."""


def _bytes_read(done: list[Synchronized[int]]) -> None:
    _done[:] = done


def _publish_share(settings: KafkaSettings, submission: Submission, index: int) -> SubmissionSummary:
    def tell(read: int, total: int) -> None:
        _done[index].value = read

    return publish(settings, submission, tell)


def _added(summaries: list[SubmissionSummary]) -> SubmissionSummary:
    files = [
        FileSummary(
            parts[0].file,
            sum(p.accepted for p in parts),
            sum(p.rejected for p in parts),
            sum(p.folded for p in parts),
            sum(p.skipped for p in parts),
        )
        for parts in zip(*(s.files for s in summaries), strict=True)
    ]
    return SubmissionSummary(summaries[0].submission_id, files)


publish_mde = publish
"""The name the MDE connector's callers have used."""
