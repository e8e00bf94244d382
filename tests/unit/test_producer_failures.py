"""A message that cannot be delivered is raised by ``flush``: only failed deliveries are reported
back to Python, and those must never be lost."""

from __future__ import annotations

import socket

import pytest

from hub.config import KafkaSettings
from hub.errors import DeliveryError
from producers.producer import Producer, producer_config


def _closed_port() -> int:
    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_undeliverable_messages_are_raised_by_flush() -> None:
    settings = KafkaSettings(bootstrap=f"127.0.0.1:{_closed_port()}", topic_prefix="t.")
    assert producer_config(settings)["delivery.report.only.error"] is True
    producer = Producer(settings, {"delivery.timeout.ms": 1500, "linger.ms": 0, "log_level": 0})
    for n in range(3):
        producer.send("t.records", b"k", b"value %d" % n)
    with pytest.raises(DeliveryError, match="3 delivery failure"):
        producer.flush(timeout=20)
    producer.flush(timeout=1)  # the failures were handed over once; nothing is left
