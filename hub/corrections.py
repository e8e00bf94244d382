"""Parents' correction requests through Kafka, as services (docs/obligations.md, "Corrections through
Kafka"): what the owning state's client calls to answer.

The hub sends each owning state its part as a CorrectionRequest on ``datarequest.ST`` (queued in the
outbox with the request's rows: ``hub.store.corrections.record``). The state answers like everything
it tells the hub: a CorrectionAnswer on ``state.ST.responses`` (only its principal and the operator
may write there); the worker's response recorder applies it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import schemas
from hub.config import KafkaSettings
from hub.domain import correction_messages as messages
from hub.notices import who
from producers.producer import Producer
from producers.topics import Topics


def answer(
    kafka: KafkaSettings,
    state: str,
    correction_id: str,
    action: str,
    reason: str | None = None,
    person: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """State ``state`` acknowledges or decides its part: the CorrectionAnswer is on Kafka when this
    returns (AccessDenied if ``kafka``'s principal may not speak for ``state``). ``UserInputError``
    for an answer that cannot be sent (unknown action, ``kept`` without a reason)."""
    value = messages.answer_value(correction_id, state, action, reason, who(kafka, person), now or datetime.now(UTC))
    # Producer: idempotent, acks=all; leaving the block flushes, so the answer is written when this returns.
    with Producer(kafka) as producer:
        producer.send(
            Topics(kafka.topic_prefix).responses(state), correction_id.encode(), schemas.encode(messages.ANSWER, value)
        )
    return value
