"""The Fellegi-Sunter model: how much each comparison's outcome says for or against one child.

Two identity records either belong to one child (M) or to two (U). For each field, a comparison
gives a level (``compare``): exact, nickname, typo, disagree, missing... Fellegi and Sunter (1969)
weigh a level by how much likelier it is among true matches than among non-matches:

    weight(level) = log2( m(level) / u(level) ),  m = P(level | M),  u = P(level | U)

and, taking the fields as independent given M or U, a pair's score is the sum of its fields'
weights: the log2 Bayes factor for "one child". A missing fact weighs 0 (it says nothing either
way). Agreement on a rare value says more than on a common one, so ``u`` is the chance that two
different children agree at that level: two children share a birth date about once in 3,000 pairs
(≈18 years of births), a first name once in 50, two surnames in order once in 500. Fields are
not independent everywhere: a child's surname is its parents', so parents' names agreeing weigh
what they add once the child's surnames agree (the parent's first name, mostly).

``m`` says how often one child's two records still agree at that level: states drop accents and
second surnames, take nicknames, mistype dates; the ``m`` values follow the rates of those defects
in the hub's noise model (``hub.synthetic.identities``), set by hand and checked on a training seed
(never on the seeds the benchmark reports). The decision thresholds are on the score (``matcher``).

The score converts to a probability with a prior: among the candidates a blocking query returns,
about one in 64 is the child (``PRIOR_BITS``); ``probability`` is for people, the thresholds are
on the score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.identity import compare, tf
from hub.identity.features import Features
from hub.identity.tf import NONE as NO_TF
from hub.identity.tf import TermFrequencies
from hub.identity.tf import value as tf_value

Comparison = Callable[[Features, Features], str]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    compare: Comparison
    levels: dict[str, tuple[float, float]]
    """level -> (m, u)"""
    tf: dict[str, str] = field(default_factory=dict)
    """level -> the kind of term frequency that adjusts it (``hub.identity.tf``)"""
    weights: dict[str, float] = field(default_factory=dict, compare=False)
    """level -> log2(m/u), computed once (scoring reads it for every pair)"""

    def __post_init__(self) -> None:
        weights = {lvl: math.log2(m / u) for lvl, (m, u) in self.levels.items()}
        object.__setattr__(self, "weights", weights | {compare.MISSING: 0.0})

    def weight(self, level: str) -> float:
        return self.weights[level]

    def with_levels(self, levels: dict[str, tuple[float, float]]) -> Field:
        return Field(self.name, self.compare, levels, self.tf)


# Surnames "partial" (two each, one in common) is what half-siblings and cousins show; one child's two
# reports show it only when a surname is mistyped beyond recognition (0.2% of the training seed's
# true pairs, against 1.3% of its random pairs), so it weighs against.
# fmt: off
FIELDS: tuple[Field, ...] = (
    Field("first name", compare.first_name, {
        "exact": (0.84, 0.02), "nickname": (0.05, 0.002), "compound": (0.04, 0.004),
        "typo": (0.05, 0.006), "swapped": (0.005, 0.0005), "crossed": (0.003, 0.0003), "disagree": (0.012, 0.9672),
    }, {"exact": tf.FIRST}),
    Field("surnames", compare.surnames, {
        "both": (0.55, 0.002), "one": (0.325, 0.03), "swapped": (0.04, 0.0004),
        "typo": (0.06, 0.004), "partial": (0.005, 0.01), "disagree": (0.015, 0.9535),
    }, {"both": tf.SURNAMES, "one": tf.SURNAME}),
    Field("birth date", compare.birth_date, {
        "exact": (0.93, 0.0003), "swapped": (0.025, 0.0003), "digit": (0.03, 0.004),
        "disagree": (0.015, 0.9954),
    }),
    Field("sex", compare.sex, {"agree": (0.99, 0.5), "disagree": (0.01, 0.5)}),
    Field("middle name", compare.middle_name, {"agree": (0.85, 0.05), "disagree": (0.15, 0.95)}),
    Field("birthplace", compare.birthplace, {
        "city": (0.85, 0.04), "country": (0.11, 0.1), "disagree": (0.04, 0.86),
    }),
    Field("parents", compare.parents, {
        "name": (0.85, 0.05), "first": (0.1, 0.1), "disagree": (0.05, 0.85),
    }),
)
# fmt: on

PRIOR_BITS = -6.0

# The household: siblings share surnames, parents and often a birthplace, and differ in what is the
# child's own, the first name and the birth date. Where neither of those agrees, what the family
# shares is no evidence of one child (it is as strong for a brother): those fields then weigh only
# against, never for. Fellegi-Sunter's fields are independent given a match or not; in a family they
# are not, and this is the correction (without it, EM takes siblings for matches).
FAMILY_FIELDS = frozenset({"surnames", "parents", "birthplace", "middle name"})
CHILD_NAME_AGREES = frozenset({"exact", "nickname", "compound", "typo", "swapped"})
CHILD_DATE_SILENT = frozenset({compare.DISAGREE, compare.MISSING})


def household(names: tuple[str, ...], found: tuple[str, ...]) -> bool:
    """Whether neither the first name nor the birth date agrees (the family's fields then count
    only against)."""
    levels = dict(zip(names, found, strict=True))
    return levels.get("first name") not in CHILD_NAME_AGREES and levels.get("birth date") in CHILD_DATE_SILENT


@dataclass(frozen=True, slots=True)
class Model:
    """What scores a pair: each field's m and u, the term frequencies, and which version this is
    (``0``: the hand-set prior, for an empty store; a fitted model is numbered by the store)."""

    fields: tuple[Field, ...] = FIELDS
    tf: TermFrequencies = NO_TF
    version: int = 0
    first_name_rule: bool = True
    """whether two records under different first names may never link (``hub.identity.twins``)"""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


PRIOR = Model()


def as_model(model: Model | tuple[Field, ...]) -> Model:
    return model if isinstance(model, Model) else Model(model)


@dataclass(frozen=True, slots=True)
class Agreement:
    field: str
    level: str
    weight: float
    tf: float = 0.0
    """the term-frequency adjustment included in ``weight``"""

    def __str__(self) -> str:
        tf_note = f" (name frequency {self.tf:+.1f})" if self.tf else ""
        return f"{self.field}: {self.level} {self.weight:+.1f}{tf_note}"


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    fields: tuple[Field, ...]
    levels: tuple[str, ...]
    weights: tuple[float, ...] = ()
    tf: tuple[float, ...] = ()

    @property
    def parts(self) -> tuple[Agreement, ...]:
        return tuple(
            Agreement(f.name, lvl, round(w, 2), round(t, 2))
            for f, lvl, w, t in zip(self.fields, self.levels, self.weights, self.tf, strict=True)
        )

    def level(self, name: str) -> str:
        return next(lvl for f, lvl in zip(self.fields, self.levels, strict=True) if f.name == name)

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + 2.0 ** -(self.total + PRIOR_BITS))

    def reasons(self) -> tuple[str, ...]:
        """For people: every field that was compared, its level and weight (none of the names)."""
        return tuple(str(p) for p in self.parts if p.level != compare.MISSING)


def levels(a: Features, b: Features, fields: Model | tuple[Field, ...] = FIELDS) -> tuple[str, ...]:
    return tuple(f.compare(a, b) for f in as_model(fields).fields)


def score(a: Features, b: Features, model: Model | tuple[Field, ...] = PRIOR) -> Score:
    m = as_model(model)
    found = tuple(f.compare(a, b) for f in m.fields)
    return _score(m, found, a, b)


def vector_weight(fields: tuple[Field, ...], found: tuple[str, ...], held: frozenset[int] = frozenset()) -> float:
    """A vector of levels' score without term frequencies (what EM reads), the household rule
    applied; the fields in ``held`` are left out (their levels still decide the household rule)."""
    capped = household(tuple(f.name for f in fields), found)
    return sum(
        _capped(f, f.weights[lvl], capped)
        for i, (f, lvl) in enumerate(zip(fields, found, strict=True))
        if i not in held
    )


def _capped(f: Field, w: float, capped: bool) -> float:
    return min(w, 0.0) if capped and f.name in FAMILY_FIELDS else w


def _score(model: Model, found: tuple[str, ...], a: Features, b: Features) -> Score:
    fields = model.fields
    capped = household(model.names, found)
    weights, tfs = [], []
    for f, lvl in zip(fields, found, strict=True):
        kind = f.tf.get(lvl)
        adj = model.tf.adjustment(kind, tf_value(kind, a, b), f.levels[lvl][1]) if kind else 0.0
        w = _capped(f, f.weights[lvl] + adj, capped)
        weights.append(w)
        tfs.append(adj if w else 0.0)
    return Score(round(sum(weights), 2), fields, found, tuple(weights), tuple(tfs))


# Fields whose comparison is a string equality or two (0.3-0.45 µs a pair, against 1.6-1.9 µs for
# the surnames' and the parents' words and similarities): compared before the dear ones, since a
# stranger's birthplace or middle name often gives the pair up before its surnames are read. The
# order changes no score, only how soon a pair is given up on: on ``msix bench identity-speed``'s
# 2,000 look-ups at 1,000,000 children, deciding took 468-475 ms of CPU with these first, 511-536
# with the surnames first (every decision the same).
CHEAP = frozenset({"birthplace", "middle name", "sex"})


# A pair whose score rounds to ``floor`` counts (scores are rounded to 0.01), and float sums in
# another order may differ in the last bits: a pair is given up only clearly below the floor.
_SLACK = 0.01


class Bounded:
    """Scores pairs field by field and gives up on a pair as soon as the fields left, all at their
    best level, could not lift it to ``floor``. A pair it scores gets exactly ``score``'s Score; a
    pair it gives up on is one ``score`` puts below ``floor``.

    The birth date and the first name come first: they are the child's own, and once both are known
    so is the household rule. Where neither agrees (a brother, or a stranger), what a family shares
    can no longer count for the pair, and the pair is given up on before its surnames, birthplace
    and parents are compared. The other fields follow: the cheap ones first (``CHEAP``), then the
    dear ones, and within each those that can move a score most first. A
    name's frequency adds at most ``tf.CAP`` bits to a level it adjusts, and nothing where the model
    has no table for that kind of name (the hand-set prior has none). Most candidates a blocking
    query returns are other children: on the 44,754 pairs of ``msix bench identity-speed``'s 2,000
    look-ups at 1,000,000 children (2026-12-07), 4.2 of the 7 fields were compared a pair, the
    surnames for 26% of pairs and the parents for 7%; with the surnames right after the first name,
    3.8 fields, but the surnames for 84% and the parents for 24%. (With the surnames first and the
    household rule left to the end, 4.4 fields on the 63,591 pairs of an earlier set of keys.)"""

    def __init__(self, model: Model | tuple[Field, ...] = PRIOR) -> None:
        self.model = as_model(model)
        fields = self.fields = self.model.fields
        names = self.model.names
        tables = self.model.tf.tables
        # Each level's weight at its most, read for every pair: a name's frequency may add up to
        # CAP bits to a level it adjusts, nothing without a table for that kind of name.
        self.top = tuple(
            {lvl: w + (tf.CAP if f.tf.get(lvl) in tables else 0.0) for lvl, w in f.weights.items()} for f in fields
        )
        high = [max(top.values()) for top in self.top]
        low = [min(f.weights.values()) - (tf.CAP if any(k in tables for k in f.tf.values()) else 0.0) for f in fields]
        own = [names.index(n) for n in ("birth date", "first name") if n in names]
        rest = sorted(
            (i for i in range(len(fields)) if i not in own), key=lambda i: (names[i] not in CHEAP, low[i] - high[i])
        )
        self.order = (*own, *rest)
        self.family = tuple(f.name in FAMILY_FIELDS for f in fields)
        # After the k-th field (in ``order``): the most the fields after it can still add, and the
        # same where the household rule holds (a family's field then adds nothing).
        best = [high[i] for i in self.order]
        held = [0.0 if self.family[i] else high[i] for i in self.order]
        self.best_after = tuple(sum(best[k + 1 :]) for k in range(len(best)))
        self.held_after = tuple(sum(held[k + 1 :]) for k in range(len(best)))
        # The birth date's and the first name's places, after which the household rule is known
        # (None for a model without both: ``household`` then never holds).
        self.own = (own[0], own[1]) if len(own) == 2 else None

    def at_least(self, a: Features, b: Features, floor: float) -> Score | None:
        fields, top, family, order = self.fields, self.top, self.family, self.order
        found = [compare.MISSING] * len(fields)
        running, held, bar = 0.0, False, floor - _SLACK
        start = 0
        if self.own is not None:
            # The birth date and the first name, unrolled: most pairs end here.
            d, f = self.own
            date = found[d] = fields[d].compare(a, b)
            first = found[f] = fields[f].compare(a, b)
            running = top[d][date] + top[f][first]
            held = first not in CHILD_NAME_AGREES and date in CHILD_DATE_SILENT
            if running + (self.held_after[1] if held else self.best_after[1]) < bar:
                return None
            start = 2
        for k in range(start, len(order)):
            i = order[k]
            level = found[i] = fields[i].compare(a, b)
            w = top[i][level]
            running += min(w, 0.0) if held and family[i] else w
            if running + (self.held_after[k] if held else self.best_after[k]) < bar:
                return None
        return _score(self.model, tuple(found), a, b)
