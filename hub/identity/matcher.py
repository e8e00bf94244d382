"""The probabilistic matcher the pipeline runs: blocking keys, lock keys and three-way decisions.

Blocking: an incoming identity is compared only with the identities that share one of its keys
(looked up through an index, one query per batch). The keys are built so that every defect of the
noise model leaves at least one key intact:

- ``D`` the birth date and sex (a new first name and a new surname: a crowd, capped like every block);
- ``F`` birth date with day and month in either order, and the first name's phonetic code
  (nicknames resolved first: Pepe and José share a key);
- ``S`` the same date, and a surname's phonetic code, one key per surname (a new first name, one
  surname or two, swapped surnames);
- ``M`` day and month in either order, without the year, with the first-name code and one surname's
  code (a typo in the year);
- ``W`` and ``V`` the two surnames' codes with the birth year, or with day and month in either
  order (a first name and a part of the date mistyped at once);
- ``X`` the first-name code and the first two surnames' codes in any order, no date (no or a
  mistyped birth date; given name and surname exchanged);
- ``P`` the first-name code, the first surname's code and a parent's first name, no date: no date
  and one surname against two (``X`` differs), or ``X`` a crowd of namesakes capped before the child;
- ``Q`` and ``R`` the birth city's first four letters with the first surname's, or the first
  name's, first two letters, no date: a date and a name both mistyped or replaced, and the city
  mistyped past its fourth letter.
- ``T`` the birth city's first four letters with both names' first two in either order, no date:
  given name and surname exchanged, each mistyped past its first letters, and the date replaced
  (``Q`` meets ``R``'s letters then, and ``X``'s codes differ).
  (One ``X`` key per surname instead found fewer children on the training seed: crowded blocks.)
  (An ``E`` key, the exact first name with the birth date, found no child that ``F`` did not: every
  decision the same in the accuracy sets and at 1,000,000 children without it, one key fewer.)
  (``N`` keys, the birth year and sex with the first-name code and a surname's, were dropped on
  2026-12-07: at 1,000,000 children they brought 9 of a look-up's 31.6 candidates and found 1
  returning child in 1,000 that no other key found, in the accuracy sets 0.03-0.05% of the true
  pairs; without them the merge into a store of 1,000,000 took 13-21% less worker CPU an event
  (two runs each way). A typo in the day or month is still found by ``X``, ``P``, ``Q``, ``R`` and
  ``W``.)

Decision, on the best-scoring child (the best of its state identities; ``model.score``):

- link, when the score reaches ``upper``, no other child does, the first names are not different,
  and, for a multiple birth, the first names are the same name (exact, or a nickname of it): twins
  share surnames, birth date and parents, and their first names are what tells them apart. Also
  not, where the model says one child's reports almost never disagree on the birth date, when the
  dates disagree (cousins); nor when the date is missing or agrees only in part and nothing beyond
  the first name and one surname confirms it (namesakes born a digit apart);
- near match, between ``lower`` and ``upper`` (or above, when a rule forbids linking): a new child,
  provisional, with a worklist item naming the candidates for a data admin;
- a new child, below ``lower``.

Both thresholds rise with the store's size, one bit each time it doubles past 64,000 children
(``crowd_bits``): the more children a report could be, the more evidence a link takes.

Another identity of the same state is never a candidate: a state's two ids are two children by that
state's own word (a data admin can still merge them).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hub.domain.identity import Candidate, IdentityFacts, MatchDecision, NearMatch
from hub.identity import compare
from hub.identity.features import Features, keys, prepare
from hub.identity.fit import SURNAMES_ALIKE
from hub.identity.model import PRIOR, Bounded, Field, Model, Score, as_model

# Defaults chosen on the benchmark's training seed (README, "Identity matching").
UPPER = 14.0
LOWER = 10.0
MAX_NEAR = 3
# A second child within this many bits of the best (2^6: 64 times less likely) makes the link
# ambiguous: a data admin chooses.
MARGIN = 6.0


# The store's size at which UPPER and LOWER were chosen (the training seed's stored identities,
# about 63,000). See ``crowd_bits``.
REFERENCE_STORE = 64_000


def crowd_bits(children: int) -> float:
    """How many bits more a link takes in a store of ``children`` than in the one the thresholds
    were chosen on: log2(children / REFERENCE_STORE), none below it, to a tenth of a bit.

    The score is a Bayes factor for "this report and that stored child are one child". The chance
    that a report is of one particular stored child before anything is compared falls as the
    store grows (one in N), and the chance that some stranger agrees as well as a mistyped
    report does grows with it: at 1,000,000 stored children about 76 share each birth date and
    sex, and among them a first name and one surname in common is a coincidence 7 new children in
    100 met (``msix bench identity-speed``). The thresholds are posterior odds, so they move by the
    prior's log-odds: twice the children, one bit more, for the link and for the worklist alike.
    """
    if children <= REFERENCE_STORE:
        return 0.0
    return round(math.log2(children / REFERENCE_STORE), 1)


@dataclass(frozen=True, slots=True)
class Thresholds:
    upper: float = UPPER
    lower: float = LOWER
    crowd: float = 0.0
    """bits added to both for the store's size (``crowd_bits``); included in ``upper`` and ``lower``"""

    def for_store(self, children: int) -> Thresholds:
        """These thresholds as chosen, moved for a store of ``children`` (``crowd_bits``)."""
        crowd = crowd_bits(children)
        shift = crowd - self.crowd
        return replace(self, upper=self.upper + shift, lower=self.lower + shift, crowd=crowd)

    def says(self, which: float) -> str:
        """A threshold as a reason gives it: ``14``, or ``18 (14 + 4 for the store's size)``."""
        if not self.crowd:
            return f"{which:g}"
        return f"{which:g} ({which - self.crowd:g} + {self.crowd:g} for the store's size)"


class ProbabilisticMatcher:
    def __init__(
        self,
        thresholds: Thresholds | None = None,
        model: Model | tuple[Field, ...] = PRIOR,
        first_name_rule: bool | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.model = as_model(model)
        self.fields = self.model.fields
        self._scorer = Bounded(self.model)
        self._version = f"model v{self.model.version}"
        # On for the hub's data (children: about 3% are twins). Off only for a source whose own
        # records show no twins' look-alikes (``hub.identity.twins.first_name_rule`` decides).
        self.first_name_rule = self.model.first_name_rule if first_name_rule is None else first_name_rule
        self.dates_firm = dates_firm(self.model)

    def for_store(self, children: int) -> ProbabilisticMatcher:
        """This matcher with its thresholds moved for a store of ``children`` (``crowd_bits``):
        the same model, keys and scorer."""
        thresholds = self.thresholds.for_store(children)
        if thresholds == self.thresholds:
            return self
        sized = copy.copy(self)
        sized.thresholds = thresholds
        return sized

    def blocking_keys(self, facts: IdentityFacts) -> list[str]:
        return list(keys(facts))

    def lock_keys(self, facts: IdentityFacts) -> list[str]:
        """One key per identity, the birth date with day and month in either order: the two reports
        of one child that two workers may link at the same moment nearly always share it."""
        d = facts.birth_date
        if d is None:
            f = prepare(facts)
            return [f"L|{f.first_code}|{f.surname_codes[:1]}"]
        lo, hi = sorted((d.month, d.day))
        return [f"L|{d.year}-{lo:02d}-{hi:02d}"]

    def decide(self, facts: IdentityFacts, candidates: Sequence[Candidate]) -> MatchDecision:
        incoming = prepare(facts)
        best: dict[str, tuple[Score, Candidate]] = {}
        seen: set[tuple[str, str]] = set()
        own, at_least, lower = facts.state, self._scorer.at_least, self.thresholds.lower
        for c in candidates:
            f = c.facts
            if f.state == own:
                continue
            who = (f.state, f.state_student_id)
            if who in seen:
                continue
            seen.add(who)
            # A candidate below the lower threshold changes no decision: it is given up on as soon
            # as that is certain (``Bounded``), and only the others are scored to the end.
            s = at_least(incoming, prepare(f), lower)
            if s is not None and (c.msix_id not in best or s.total > best[c.msix_id][0].total):
                best[c.msix_id] = (s, c)
        ranked = sorted(best.values(), key=lambda sc: (-sc[0].total, sc[1].msix_id))
        if not ranked or ranked[0][0].total < self.thresholds.lower:
            why = f"no candidate scores {self.thresholds.says(self.thresholds.lower)} or more ({len(seen)} compared)"
            return MatchDecision(None, (f"new child: {why}", self._version))
        top_score, best_candidate = ranked[0]
        blocked = self._why_not(incoming, prepare(best_candidate.facts), top_score, ranked[1:])
        if top_score.total >= self.thresholds.upper and blocked is None:
            reasons = (
                f"linked: score {top_score.total:+.1f} ≥ {self.thresholds.says(self.thresholds.upper)}",
                self._version,
                *top_score.reasons(),
            )
            return MatchDecision(best_candidate.msix_id, reasons, top_score.total)
        near = tuple(
            NearMatch(c.msix_id, c.facts.state, c.facts.state_student_id, s.total, s.reasons())
            for s, c in ranked[:MAX_NEAR]
            if s.total >= self.thresholds.lower
        )
        t = self.thresholds
        why = blocked or f"score {top_score.total:+.1f} between {t.says(t.lower)} and {t.says(t.upper)}"
        reasons = (f"near match, for review: {why}", self._version, *top_score.reasons())
        return MatchDecision(None, reasons, top_score.total, near)

    def bears_on(self, facts: IdentityFacts, candidate: Candidate) -> bool:
        """Another state's identity scoring ``lower`` or more: ``decide`` ranks no other."""
        if candidate.facts.state == facts.state:
            return False
        s = self._scorer.at_least(prepare(facts), prepare(candidate.facts), self.thresholds.lower)
        return s is not None and s.total >= self.thresholds.lower

    def _why_not(self, a: Features, b: Features, top: Score, others: list[tuple[Score, Candidate]]) -> str | None:
        """A rule that forbids linking however high the score, or None."""
        if top.total < self.thresholds.upper:
            return None
        why = _forbidden(a, b, top, self.first_name_rule, self.dates_firm)
        if why is not None:
            return why
        # Another child that could be linked too, and not far behind: a person must choose.
        for s, c in others:
            if s.total < max(self.thresholds.upper, top.total - MARGIN):
                break
            if _forbidden(a, prepare(c.facts), s, self.first_name_rule, self.dates_firm) is None:
                return "two children score above the threshold"
        return None


# The same first name, however written: exact, or a nickname the table gives for it (Chuy / Jesús).
# Not a typo: names one letter apart are often two twins' (José / Josué, Daniel / Daniela).
SAME_NAME = frozenset({"exact", "nickname"})


# What the first-name rule reads as another first name: one state's given name written as the
# other's surname is no agreement on the child's own name.
OTHER_FIRST_NAME = frozenset({compare.DISAGREE, "crossed"})

# A birth date missing or agreeing only in part, and what else must confirm a link then.
PARTIAL_DATE = frozenset({"digit", "swapped", compare.MISSING})
CONFIRMS = {
    "surnames": frozenset({"both"}),
    "birthplace": frozenset({"city"}),
    "parents": frozenset({"name"}),
    "middle name": frozenset({"agree"}),
}


# Where the model learned that one child's two reports disagree on the birth date (neither the same,
# nor day and month swapped, nor a digit off) less often than this, two different birth dates are
# two children, however alike the names: cousins and namesakes share names, parents' names and
# birth towns, not a birthday. The synthetic families' fits give 0.0001-0.002; FEBRL's, whose
# duplicates often carry another date, 0.05-0.06 (the rule stays off there); the hand-set prior
# 0.015 (off for an empty store).
FIRM_DATES = 0.01


def dates_firm(model: Model) -> bool:
    date = next((f for f in model.fields if f.name == "birth date"), None)
    return date is not None and date.levels[compare.DISAGREE][0] < FIRM_DATES


def _forbidden(
    a: Features, b: Features, s: Score, first_name_rule: bool = True, firm_dates: bool = False
) -> str | None:
    at = dict(zip((f.name for f in s.fields), s.levels, strict=True))
    first = at.get("first name")
    if (a.facts.multiple_birth or b.facts.multiple_birth) and first not in SAME_NAME:
        return "multiple birth, and the first names differ"
    # Twins whose states did not flag the multiple birth look like this: a different first name,
    # and everything else alike.
    if first_name_rule and first in OTHER_FIRST_NAME:
        return "the first names differ"
    # Cousins named alike, born years apart (``FIRM_DATES``).
    if firm_dates and at.get("birth date") == compare.DISAGREE:
        return "the birth dates differ, and in this store one child's reports almost never do"
    # Namesakes: among tens of thousands of children, many share a first name and a surname, and
    # one of them is often born a digit away (2012 / 2017, the 6th / the 1st). The fields' weights
    # count those as independent evidence and add up to a link; on the synthetic families 1 in 8
    # such links was another child (seed 7, 40,000 families). Such a pair links only when the
    # surnames agree and a fact beyond the first name and one surname confirms it; otherwise a
    # person decides.
    if at.get("birth date") in PARTIAL_DATE and (
        at.get("surnames") not in SURNAMES_ALIKE or not any(at.get(f) in levels for f, levels in CONFIRMS.items())
    ):
        return "the birth date is missing or agrees only in part, and no other fact confirms the names"
    return None
