"""The pipeline bench's steady pace: sends held to the rate every few dozen messages, not a
submission's burst at once (no broker needed: the client only queues them)."""

from __future__ import annotations

import time

from hub.bench.pipeline import _Paced
from hub.config import KafkaSettings


def test_sends_are_held_to_the_pace_all_along() -> None:
    # Nothing listens there: the client's connection errors are not logged (log_level 0).
    paced = _Paced(KafkaSettings(bootstrap="127.0.0.1:9"), pace=2000, extra={"log_level": 0})
    started = time.perf_counter()
    halfway = 0.0
    for n in range(400):
        paced.send("nowhere", b"k", b"v")
        if n == 199:
            halfway = time.perf_counter() - started
    took = time.perf_counter() - started
    # 400 at 2,000 a second: 0.2 s, the first half in 0.1 s (a burst would send all at once).
    assert halfway >= 0.09 and took >= 0.19
