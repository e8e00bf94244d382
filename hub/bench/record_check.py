"""What the hub's re-check of every record costs: decode alone against decode and check.

``python -m hub.bench.record_check [N]``: N synthetic records (the benchmark's own generator, as the
MDE connector would publish them), encoded once; then each timed pass decodes all of them, as the
merge worker's ``decode_message`` does with and without ``consumers.record_check``, and the check
alone on decoded values. Prints the best CPU time per record of interleaved rounds, and its share of
a merge event's time at the README's merge rate.
"""

from __future__ import annotations

import gc
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import schemas
from connectors.mde.rows import ROW_MODELS, Problem, RowContext, validate_row
from consumers.decoding import decode_message
from consumers.record_check import default_check
from hub.domain.records import event_from_value
from hub.synthetic.benchmark import events_for
from producers.topics import Topics

_MODELS = {model.FILE: model for model in ROW_MODELS}


def messages(n: int) -> list[tuple[str, bytes]]:
    """(topic, bytes) of about ``n`` records of every family, in the proportions of the benchmark."""
    out: list[tuple[str, bytes]] = []
    for sub in events_for(n):
        context = RowContext(sub.submitted_at.date())
        for file, rows in sub.rows_by_file.items():
            model = _MODELS[file]
            for fields in rows:
                row = validate_row(model, {k: v for k, v in fields.items() if v}, context)
                if isinstance(row, Problem):
                    continue
                record = {
                    "event_id": uuid.uuid4().hex,
                    "state": sub.state,
                    "source_ts": sub.submitted_at,
                    "submission_id": "s" * 32,
                    **row.__dict__,
                }
                out.append((f"state.{sub.state}.records", schemas.encode(model.FAMILY, record)))
    return out[:n]


def _unchecked(topics: Topics, topic: str, data: bytes) -> object:
    # The worker's path before the re-check: decode, build the event, compare the topic's state.
    name, value = schemas.decode(data)
    event = event_from_value(name, value)
    return event.state == topics.state_of(topic)


def _timed(run: Callable[[], None]) -> float:
    gc.collect()
    started = time.process_time()  # CPU time: less at the mercy of what else the machine runs
    run()
    return time.process_time() - started


def main(n: int = 100_000, merge_events_per_s: float = 9_810, rounds: int = 7) -> None:
    data = messages(n)
    n = len(data)
    topics, now = Topics(""), datetime.now(UTC)
    decoded = [schemas.decode(value) for _, value in data]
    check = default_check()

    def without() -> None:
        for topic, value in data:
            _unchecked(topics, topic, value)

    def with_check() -> None:
        for offset, (topic, value) in enumerate(data):
            decode_message(topics, topic, 0, offset, b"k", value, now)

    def check_only() -> None:
        for name, value in decoded:
            check.check(name, value, now)

    # Interleaved rounds, the best of each: the machine's load changes between rounds, not within one.
    best = {"decode, no check": 1e9, "decode and check": 1e9, "the check alone": 1e9}
    for _ in range(rounds):
        for label, run in zip(best, (without, with_check, check_only), strict=True):
            best[label] = min(best[label], _timed(run))
    per_event = 1e6 / merge_events_per_s
    for label, seconds in best.items():
        micro = seconds / n * 1e6
        print(f"{label}: {micro:.2f} µs a record, {micro / per_event:.1%} of a merge event's {per_event:.0f} µs")
    added = (best["decode and check"] - best["decode, no check"]) / n * 1e6
    print(f"the re-check adds {added:.2f} µs a record: {added / per_event:.1%} of a merge event")
    print(f"(CPU time, best of {rounds} interleaved rounds over {n:,} records; merge at {merge_events_per_s:,.0f}/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
