"""The asked state's subscriptions on ``datarequest.ST``: the data requests made of it
(``msix requests follow``) and parents' correction requests about its records (``msix corrections
follow``).

The one follow loop of ``msix notices follow`` (``consumers.follower``), in the state's own groups
(one a kind): each value handed to a sink (JSON lines, or a signed webhook with retries and a
dead-letter file), its id appended to a delivered-ids file, Kafka's offsets committed after the
batch. So nothing is lost, and nothing is repeated across restarts; a webhook's ``Idempotency-Key``
is the request's (or the correction's) id. Each follower takes only its own kind from the topic.
"""

from __future__ import annotations

from consumers.follower import CORRECTIONS, REQUESTS, Delivered, FollowTotals, Kind, Sink
from consumers.follower import follow as follow_kind
from hub.config import KafkaSettings

KINDS: dict[str, Kind] = {"requests": REQUESTS, "corrections": CORRECTIONS}


def follow(
    kafka: KafkaSettings,
    state: str,
    sink: Sink,
    delivered: Delivered,
    from_beginning: bool = False,
    until_idle: bool = False,
    kind: Kind = REQUESTS,
) -> FollowTotals:
    """Deliver the requests of ``kind`` made of ``state`` until stopped (or, ``until_idle``, until
    caught up)."""
    return follow_kind(kafka, kind, state, sink, delivered, from_beginning, until_idle)
