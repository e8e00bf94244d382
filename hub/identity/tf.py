"""Term-frequency adjustments: agreeing on a common name says less than agreeing on a rare one.

A level's ``u`` is the chance that two different children agree at that level, averaged over every
name. For one particular name, that chance is about the name's own frequency (two children both
called María: as often as María is among children). As Splink does, an exact agreement's weight
log2(m/u) becomes log2(m / tf(name)): the adjustment is log2(u / tf(name)), negative for a name
more common than the average agreement, positive for a rarer one, and bounded by ``CAP`` bits either
way (a name seen once says at most that much more). The frequencies are counted on the store's own
identities (``count``), never on a truth.

Applied to the first name (``exact``) and to the surnames (``both``: the sequence of surnames;
``one``: the surname the two have in common).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hub.identity.features import Features

CAP = 3.0
# Names rarer than this in the store are not listed: they take the frequency of a name seen this
# often (keeps a fitted model's JSON to the common names; their adjustment is near CAP anyway).
MIN_COUNT = 3

FIRST, SURNAMES, SURNAME = "first", "surnames", "surname"


@dataclass(frozen=True, slots=True)
class TermFrequencies:
    """Frequencies by kind (``first``, ``surnames``, ``surname``); ``floor`` for a name not listed."""

    tables: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    floor: float = 1e-4

    def frequency(self, kind: str, value: str) -> float:
        table = self.tables.get(kind)
        if table is None:
            return 0.0
        return table.get(value, self.floor)

    def adjustment(self, kind: str, value: str, u: float) -> float:
        tf = self.frequency(kind, value)
        if tf <= 0.0:
            return 0.0
        return max(-CAP, min(CAP, math.log2(u / tf)))

    def as_json(self) -> dict[str, object]:
        return {"floor": self.floor, "tables": {k: dict(v) for k, v in self.tables.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TermFrequencies:
        tables = data.get("tables", {})
        assert isinstance(tables, dict)
        return cls({k: {str(n): float(f) for n, f in v.items()} for k, v in tables.items()}, float(data["floor"]))  # type: ignore[arg-type]


NONE = TermFrequencies()


def count(identities: Iterable[Features], min_count: int = MIN_COUNT) -> TermFrequencies:
    """The frequencies of first names, surname sequences and surname words among ``identities``."""
    first: Counter[str] = Counter()
    seqs: Counter[str] = Counter()
    words: Counter[str] = Counter()
    total = 0
    for f in identities:
        total += 1
        if f.first:
            first[f.first] += 1
        if f.surnames:
            seqs[" ".join(f.surnames)] += 1
            words.update(set(f.surnames))
    if not total:
        return NONE
    tables = {
        kind: {name: n / total for name, n in c.items() if n >= min_count}
        for kind, c in ((FIRST, first), (SURNAMES, seqs), (SURNAME, words))
    }
    return TermFrequencies(tables, min_count / total)


def value(kind: str, a: Features, b: Features) -> str:
    """The agreeing value a level's adjustment reads: the first name, the surname sequence, or the
    one surname the two have in common."""
    if kind == FIRST:
        return a.first
    if kind == SURNAMES:
        return " ".join(a.surnames)
    shorter = a.surnames if len(a.surnames) <= len(b.surnames) else b.surnames
    return shorter[0] if shorter else ""
