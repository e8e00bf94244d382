"""Estimating the model's m and u from the data itself, without the truth (as Splink does).

``u``: the level frequencies among random pairs of records (nearly all of them two different
people). ``m``: expectation-maximisation over the candidate pairs blocking finds, a mixture of
matches and non-matches: each pair's probability of being a match given the current m, u and
share of matches (E), then m as the match-weighted level frequencies and the share as their mean
(M). Pairs are grouped by their vector of levels first, so each iteration costs the number of
distinct vectors, not of pairs. Levels a data set never shows keep a small floor, so their weight
stays finite. The hub's own model is set by hand (``model``); ``fit`` serves a data set unlike the
hub's, such as FEBRL in the benchmark.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from hub.identity.compare import MISSING
from hub.identity.model import FIELDS, Field

FLOOR = 1e-4

Vector = tuple[str, ...]


def _frequencies(counts: Counter[Vector], index: int, field: Field, weights: dict[Vector, float]) -> dict[str, float]:
    total = 0.0
    per: dict[str, float] = dict.fromkeys(field.levels, 0.0)
    for vector, n in counts.items():
        level = vector[index]
        if level == MISSING:
            continue
        w = n * weights.get(vector, 1.0)
        per[level] += w
        total += w
    if total == 0:
        return {lvl: mu[0] for lvl, mu in field.levels.items()}
    return {lvl: max(v / total, FLOOR) for lvl, v in per.items()}


def fit(
    candidate_pairs: Iterable[Vector],
    random_pairs: Iterable[Vector],
    fields: tuple[Field, ...] = FIELDS,
    iterations: int = 40,
) -> tuple[Field, ...]:
    pairs, randoms = Counter(candidate_pairs), Counter(random_pairs)
    u = [_frequencies(randoms, i, f, {}) for i, f in enumerate(fields)]
    m = [{lvl: mu[0] for lvl, mu in f.levels.items()} for f in fields]
    share = 0.1
    for _ in range(iterations):
        posterior: dict[Vector, float] = {}
        for vector in pairs:
            log_m = sum(math.log(m[i][lvl]) for i, lvl in enumerate(vector) if lvl != MISSING)
            log_u = sum(math.log(u[i][lvl]) for i, lvl in enumerate(vector) if lvl != MISSING)
            odds = math.log(share / (1 - share)) + log_m - log_u
            posterior[vector] = 1 / (1 + math.exp(-min(max(odds, -700), 700)))
        m = [_frequencies(pairs, i, f, posterior) for i, f in enumerate(fields)]
        total = sum(pairs.values())
        share = min(max(sum(posterior[v] * n for v, n in pairs.items()) / total, 1e-6), 1 - 1e-6)
    return tuple(
        Field(f.name, f.compare, {lvl: (m[i][lvl], u[i][lvl]) for lvl in f.levels}) for i, f in enumerate(fields)
    )
