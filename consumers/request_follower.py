"""The asked state's subscription to the data requests made of it: ``msix requests follow``.

The machinery of ``msix notices follow`` (``consumers.notice_follower``), on ``datarequest.ST`` in
the state's own group: each request handed to a sink (JSON lines, or a signed webhook with retries
and a dead-letter file), its id appended to a delivered-ids file, Kafka's offsets committed after the
batch. So nothing is lost, and nothing is repeated across restarts; a webhook's ``Idempotency-Key``
is the request id.
"""

from __future__ import annotations

import json
from typing import Any

import structlog

from consumers.notice_follower import Delivered, FollowTotals, Sink, WebhookSink
from consumers.topic_reader import read_topic
from hub.config import KafkaSettings
from hub.domain.records import json_fields
from producers.topics import Topics

log = structlog.get_logger(__name__)

GROUP = "requests"
ID = "request_id"


class RequestWebhookSink(WebhookSink):
    """``WebhookSink`` for requests: the same signature, retries, redirects refused and dead letters,
    keyed by the request id (a request has no notice id)."""

    def deliver(self, notice: dict[str, Any]) -> bool:
        body = json.dumps(notice, ensure_ascii=False, default=str).encode()
        error, attempt = "", 0
        for attempt in range(1, self.retries + 2):
            self.attempts += 1
            retry, error = self._post(body, notice[ID])
            if not error:
                return True
            log.warning("webhook refused a request", request_id=notice[ID], attempt=attempt, error=error)
            if not retry or attempt > self.retries:
                break
            self.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
        self._dead_letter(notice, error, attempt)
        return False


def follow(
    kafka: KafkaSettings,
    state: str,
    sink: Sink,
    delivered: Delivered,
    from_beginning: bool = False,
    until_idle: bool = False,
) -> FollowTotals:
    """Deliver the requests made of ``state`` until stopped (or, ``until_idle``, until caught up)."""
    topics = Topics(kafka.topic_prefix)
    group = topics.state_group_prefix(state) + GROUP
    totals = FollowTotals()
    for value in read_topic(kafka, topics.data_requests(state), group, ID, from_beginning, until_idle):
        request = json_fields(value)
        if request[ID] in delivered:
            totals.skipped += 1
            continue
        if sink.deliver(request):
            totals.delivered += 1
        else:
            totals.dead_lettered += 1
        delivered.add(request[ID])
        totals.ids.append(request[ID])
    return totals
