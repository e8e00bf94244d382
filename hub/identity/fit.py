"""Estimating the model's m and u from the data itself, and from what data admins decided.

``u``: the level frequencies among random pairs of records (nearly all of them two different
children). ``m``: expectation-maximisation over the candidate pairs blocking finds, a mixture of
matches and non-matches: each pair's probability of being a match given the current m, u and
share of matches (E), then m as the match-weighted level frequencies and the share as their mean
(M). Pairs are grouped by their vector of levels first, so each iteration costs the number of
distinct vectors, not of pairs. Levels a data set never shows keep a small floor, so their weight
stays finite.

Families: a plain two-class EM takes brothers and sisters for matches (they agree on surnames,
parents and birthplace far more often than random pairs do). Two things keep them out:

- the E step scores a pair as the matcher does, with the household rule (``model.household``):
  where neither the first name nor the birth date agrees, the family's fields count only against;
- labels: pairs whose answer is known are held at it rather than estimated. A data admin's
  confirmed near match or validated merge is a match; a rejected near match or a split is not;
  two identities of one state are two children by that state's word (siblings, among them);
  children of a multiple birth under other first names are twins, not one child.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from hub.identity.compare import MISSING
from hub.identity.model import FIELDS, Field, vector_weight

FLOOR = 1e-4
ITERATIONS = 40

Vector = tuple[str, ...]
Label = tuple[Vector, bool]
"""A pair's levels and whether it is one child (True) or two (False)."""


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


# A child's parents carry its surnames, so among two children whose surnames agree, parents agree
# far more often than among any two (the same mother's name in two families named Miller): their
# u is read among random pairs whose surnames agree, when there are enough of them. Where the
# surnames disagree the parents hardly ever agree, so this weighs too little there, never too much.
KIN_FIELDS = frozenset({"parents"})
SURNAMES_ALIKE = frozenset({"both", "one", "swapped", "typo"})
KIN_MIN = 500


def _kin(randoms: Counter[Vector], fields: tuple[Field, ...]) -> Counter[Vector]:
    at = next((i for i, f in enumerate(fields) if f.name == "surnames"), None)
    if at is None:
        return Counter()
    kin = Counter({v: n for v, n in randoms.items() if v[at] in SURNAMES_ALIKE})
    return kin if kin.total() >= KIN_MIN else Counter()


def _posterior(fields: tuple[Field, ...], vector: Vector, log_share: float, held: frozenset[int]) -> float:
    odds = log_share + vector_weight(fields, vector, held) * math.log(2)
    return 1 / (1 + math.exp(-min(max(odds, -700), 700)))


def fit(
    candidate_pairs: Iterable[Vector],
    random_pairs: Iterable[Vector],
    fields: tuple[Field, ...] = FIELDS,
    iterations: int = ITERATIONS,
    labels: Iterable[Label] = (),
    held: frozenset[int] = frozenset(),
    non_matches: Iterable[Vector] = (),
) -> tuple[Field, ...]:
    """m by EM over ``candidate_pairs`` (and ``labels`` held at their answer), u from
    ``random_pairs``; starts from ``fields`` (the hand-set prior). The fields in ``held`` are
    neither read nor estimated (their m stays the prior's): the pairs were chosen by them.
    ``non_matches``: pairs known to be two children, chosen as ``candidate_pairs`` were; the E step
    reads u from them (what two children look like among such pairs: brothers, twins), the fields
    returned keep the random pairs' u (the score's scale)."""
    pairs, randoms = Counter(candidate_pairs), Counter(random_pairs)
    kin = _kin(randoms, fields)
    known: Counter[Vector] = Counter()
    matched: dict[Vector, float] = {}
    for vector, is_match in labels:
        # A labelled vector joins the pairs with the answer's weight (one child: 1, two: 0).
        known[vector] += 1
        matched[vector] = matched.get(vector, 0.0) + float(is_match)
    u = [_frequencies(kin if f.name in KIN_FIELDS and kin else randoms, i, f, {}) for i, f in enumerate(fields)]
    given = Counter(non_matches)
    e_u = [_smoothed(given, i, f, u[i]) for i, f in enumerate(fields)]
    model = tuple(
        f.with_levels({lvl: (mu[0], e_u[i][lvl]) for lvl, mu in f.levels.items()}) for i, f in enumerate(fields)
    )
    share = 0.1
    total = sum(pairs.values())
    for _ in range(iterations):
        log_share = math.log(share / (1 - share))
        posterior = {v: _posterior(model, v, log_share, held) for v in pairs}
        weighted = pairs + known
        weights = {v: (posterior.get(v, 0.0) * pairs[v] + matched.get(v, 0.0)) / weighted[v] for v in weighted}
        m = [
            {lvl: mu[0] for lvl, mu in f.levels.items()} if i in held else _frequencies(weighted, i, f, weights)
            for i, f in enumerate(fields)
        ]
        model = tuple(f.with_levels({lvl: (m[i][lvl], e_u[i][lvl]) for lvl in f.levels}) for i, f in enumerate(fields))
        if total:
            share = min(max(sum(posterior[v] * n for v, n in pairs.items()) / total, 1e-6), 1 - 1e-6)
    return tuple(f.with_levels({lvl: (f.levels[lvl][0], u[i][lvl]) for lvl in f.levels}) for i, f in enumerate(model))


# Pseudo-pairs of the random pairs' u mixed into the known non-matches' (a few known pairs must not
# make a level impossible).
PSEUDO = 50.0


def _smoothed(counts: Counter[Vector], index: int, field: Field, base: dict[str, float]) -> dict[str, float]:
    per = dict.fromkeys(field.levels, 0.0)
    for vector, n in counts.items():
        if vector[index] != MISSING:
            per[vector[index]] += n
    total = sum(per.values())
    return {lvl: max((per[lvl] + PSEUDO * base[lvl]) / (total + PSEUDO), FLOOR) for lvl in field.levels}


# Splink's way with a blocked field: pairs found by a field agree on it, so EM over them can say
# nothing about that field's m, and left free it would take whatever agrees most (namesakes: the
# same first name and surname, another child) for the match class. Two sessions: pairs whose birth
# dates agree estimate every field but the date; pairs whose names agree estimate the date and the
# rest; each field takes the m of the sessions that estimated it.
DATE_AGREES = frozenset({"exact"})
FIRST_AGREES = frozenset({"exact", "nickname"})
SURNAMES_AGREE = frozenset({"both", "one"})


def fit_sessions(
    candidate_pairs: Iterable[Vector],
    random_pairs: Iterable[Vector],
    fields: tuple[Field, ...] = FIELDS,
    labels: Iterable[Label] = (),
    non_matches: Iterable[Vector] = (),
) -> tuple[Field, ...]:
    pairs, randoms, known, others = list(candidate_pairs), list(random_pairs), list(labels), list(non_matches)
    at = {f.name: i for i, f in enumerate(fields)}
    date, first, last = at["birth date"], at["first name"], at["surnames"]

    def by_date(vs: list[Vector]) -> list[Vector]:
        return [v for v in vs if v[date] in DATE_AGREES]

    def by_names(vs: list[Vector]) -> list[Vector]:
        return [v for v in vs if v[first] in FIRST_AGREES and v[last] in SURNAMES_AGREE]

    one = fit(by_date(pairs), randoms, fields, labels=known, held=frozenset({date}), non_matches=by_date(others))
    held = frozenset({first, last})
    two = fit(by_names(pairs), randoms, fields, labels=known, held=held, non_matches=by_names(others))
    out = []
    for i, f in enumerate(fields):
        if i == date:
            out.append(two[i])
        elif i in (first, last):
            out.append(one[i])
        else:
            levels = {
                lvl: ((one[i].levels[lvl][0] + two[i].levels[lvl][0]) / 2, one[i].levels[lvl][1]) for lvl in f.levels
            }
            out.append(f.with_levels(levels))
    return tuple(_at_least(f, "both", "one") if f.name == "surnames" else f for f in out)


def _at_least(f: Field, strong: str, weak: str) -> Field:
    """``strong`` weighing no less than ``weak``: every surname word the same and in order says more than
    one surname of two in common. Where few records have two surnames (FEBRL's MAC KINDER), EM's m
    for ``both`` is estimated from a handful of pairs and may fall below ``one``'s."""
    (ms, us), (mw, uw) = f.levels[strong], f.levels[weak]
    if ms / us >= mw / uw:
        return f
    return f.with_levels(f.levels | {strong: (us * mw / uw, us)})
