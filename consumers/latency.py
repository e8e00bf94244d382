"""End-to-end latency (a message's Kafka timestamp to the commit of its effects), kept as a
log-bucketed histogram: constant memory however many messages, about 2% resolution."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

_PER_DOUBLING = 32  # buckets per doubling of latency: ~2.2% wide


@dataclass
class LatencyHistogram:
    counts: dict[int, int] = field(default_factory=dict)
    total: int = 0

    def record(self, ms: float) -> None:
        bucket = int(math.log2(max(ms, 0.01)) * _PER_DOUBLING)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        self.total += 1

    def record_batch(self, committed_ms: float, produced_ms: list[int]) -> None:
        """Every message of a batch committed at ``committed_ms``. A producer stamps a whole batch
        of messages with one millisecond, so this takes a logarithm per distinct stamp only."""
        for ms, count in Counter(produced_ms).items():
            bucket = int(math.log2(max(committed_ms - ms, 0.01)) * _PER_DOUBLING)
            self.counts[bucket] = self.counts.get(bucket, 0) + count
        self.total += len(produced_ms)

    def quantile(self, q: float) -> float | None:
        """The latency in ms below which a share ``q`` of the messages fall (bucket midpoint)."""
        if not self.total:
            return None
        rank = q * self.total
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return float(2 ** ((bucket + 0.5) / _PER_DOUBLING))
        return None
