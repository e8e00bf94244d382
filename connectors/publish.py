"""A state's connector, the I/O shell: publish a checked submission's rows to the state's topics.

Valid rows go to ``state.ST.records`` keyed by the state student id (students first, so the hub
meets a child before their records); each rejected row goes to ``state.ST.rejected`` with its file,
line, column and reason. A submission refused as a whole publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import schemas
from connectors.mde.reader import Accepted, Submission, SubmissionSummary
from hub.config import KafkaSettings
from producers.producer import Producer
from producers.topics import Topics

Progress = Callable[[int, int], None]  # (bytes read, total bytes)


def publish_mde(
    settings: KafkaSettings,
    submission: Submission,
    progress: Progress | None = None,
    producer: Producer | None = None,
) -> SubmissionSummary:
    """Publish a submission that ``connectors.mde.reader.open_submission`` accepted as a whole.

    With its own producer it returns once Kafka acknowledged every row (or raises DeliveryError);
    with the caller's ``producer`` (many submissions in a row) the caller's ``flush`` does that.
    """
    if producer is None:
        with Producer(settings) as own:
            return publish_mde(settings, submission, progress, own)
    state = submission.manifest.state
    topics = Topics(settings.topic_prefix)
    records_topic, rejected_topic = topics.records(state), topics.rejected(state)
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
