"""Move-notice receipts as services: what `msix notices ack` and the API's acknowledgement call.

A receipt goes through Kafka, like everything a state tells the hub: the state writes it to
``movenotice.ST.acks`` (only ST's principal and the operator may), the hub's worker records it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import schemas
from hub.config import KafkaSettings
from hub.errors import UserInputError
from hub.store.receipts import ACKNOWLEDGED, KINDS
from producers.client_config import principal
from producers.producer import Producer
from producers.topics import Topics

RECEIPT_NAMESPACE = uuid.UUID("6f1d3c0e-7a51-4a8e-9d0c-3b2f8f0c5a11")


def receipt(notice_id: str, state: str, kind: str, by: str, at: datetime) -> dict[str, Any]:
    """A NoticeReceipt value; its id is fixed by notice and kind, so sending it twice is harmless."""
    if kind not in KINDS:
        raise ValueError(f"receipt kind {kind!r}")
    if not notice_id.strip():
        raise UserInputError("a notice id is required")
    return {
        "receipt_id": str(uuid.uuid5(RECEIPT_NAMESPACE, f"{notice_id}/{kind}")),
        "notice_id": notice_id,
        "state": state,
        "kind": kind,
        "by": by,
        "at": at,
    }


def who(kafka: KafkaSettings, person: str | None) -> str:
    """The Kafka principal, which the topic's ACL vouches for, and the person or system it names."""
    name = principal(kafka)
    return f"{name} ({person})" if person else name


def send_receipt(producer: Producer, topics: Topics, value: dict[str, Any]) -> None:
    producer.send(
        topics.notice_acks(value["state"]), value["notice_id"].encode(), schemas.encode("NoticeReceipt", value)
    )


def acknowledge(
    kafka: KafkaSettings, state: str, notice_id: str, person: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Destination state ``state`` acknowledges a notice: the event is on Kafka when this returns
    (AccessDenied if ``kafka``'s principal may not speak for ``state``)."""
    value = receipt(notice_id, state, ACKNOWLEDGED, who(kafka, person), now or datetime.now(UTC))
    with Producer(kafka) as producer:
        send_receipt(producer, Topics(kafka.topic_prefix), value)
    return value
