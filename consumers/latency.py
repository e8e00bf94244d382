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

    def as_json(self) -> dict[str, int]:
        """The counts by bucket, for a process that merges several workers' histograms."""
        return {str(bucket): count for bucket, count in self.counts.items()}

    @classmethod
    def merged(cls, parts: list[dict[str, int]]) -> LatencyHistogram:
        """One histogram of every message the parts (``as_json``) counted: exact, as the buckets
        are the same, where averaging each worker's percentiles would not be."""
        whole = cls()
        for part in parts:
            for bucket, count in part.items():
                whole.counts[int(bucket)] = whole.counts.get(int(bucket), 0) + count
                whole.total += count
        return whole

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
