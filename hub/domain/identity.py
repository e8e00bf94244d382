"""Which child a state's student record belongs to.

The worker asks a ``Matcher`` three things: which blocking keys to look candidates up by (one indexed
query per batch), which keys to lock while it links (so two workers meeting one child serialize), and,
given the candidates found, what to do: link to a child, create a child and open a near-match worklist
item, or create a child. The same state and state id is always the same child (the store answers that
before a matcher is asked). This module holds the facts, the decision and the exact matcher (an exact
match of the normalized first name, first surname, birth date and sex); the probabilistic matcher the
hub runs is ``hub.identity.matcher.ProbabilisticMatcher``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any, Protocol

_NOT_LETTERS = re.compile(r"[^A-Z]")
_NOT_WORDS = re.compile(r"[^A-Z ]")
_SEPARATORS = re.compile(r"[-_/.,]")
_SPACES = re.compile(r" +")
_NOT_DECOMPOSED = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"})


def normalize_name(name: str | None) -> str:
    """Upper case, accents dropped, only letters: ``"Ramírez-López"`` -> ``"RAMIREZLOPEZ"``."""
    if not name:
        return ""
    return _NOT_LETTERS.sub("", _plain(name).upper())


@functools.lru_cache(maxsize=16384)
def normalize_words(name: str | None) -> str:
    """Like ``normalize_name`` but words stay apart: ``"Ramírez-López"`` -> ``"RAMIREZ LOPEZ"``,
    ``"O'Brien"`` -> ``"OBRIEN"``. Surnames are compared word by word (one or two, joined or not).

    Remembered: names repeat (a few thousand first names and surnames make most of any state's
    children), and the worker normalizes every name of every identity it reads, twice (for the
    candidate search, then for linking): the facts of an identity took 33 µs, now 9 µs (44,864
    synthetic identities, each seen once; 97.7% of their names had been seen before)."""
    if not name:
        return ""
    spaced = _SEPARATORS.sub(" ", _plain(name).upper())
    return _SPACES.sub(" ", _NOT_WORDS.sub("", spaced)).strip()


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.translate(_NOT_DECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class IdentityFacts:
    """What a state says about who a child is, as far as matching goes. Names are normalized
    (``normalize_words``); an empty string is a fact not reported."""

    state: str
    state_student_id: str
    first_name: str
    last_name_1: str
    last_name_2: str
    birth_date: date | None
    sex: str
    multiple_birth: bool
    middle_name: str = ""
    birth_city: str = ""
    birth_state: str = ""
    birth_country: str = ""
    parent1_first_name: str = ""
    parent1_last_name: str = ""
    parent2_first_name: str = ""
    parent2_last_name: str = ""


# The facts a matcher reads, in ``IdentityFacts`` order after the two ids (the store builds
# candidates from rows by position): it keeps them in ``state_identity`` columns of the same names.
FACT_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclass_fields(IdentityFacts))[2:]
_NAME_FIELDS = tuple(c for c in FACT_COLUMNS if c not in ("birth_date", "sex", "multiple_birth", "birth_country"))


def facts_from_fields(state: str, state_student_id: str, fields: dict[str, Any]) -> IdentityFacts:
    names = {f: normalize_words(fields.get(f)) for f in _NAME_FIELDS}
    return IdentityFacts(
        state=state,
        state_student_id=state_student_id,
        birth_date=fields.get("birth_date"),
        sex=fields.get("sex") or "",
        multiple_birth=fields.get("multiple_birth") == "Y",
        birth_country=(fields.get("birth_country") or "").upper(),
        **names,
    )


def fact_values(facts: IdentityFacts) -> tuple[Any, ...]:
    """The facts in ``FACT_COLUMNS`` order, as the store writes them."""
    return tuple(getattr(facts, c) for c in FACT_COLUMNS)


@dataclass(frozen=True, slots=True)
class Candidate:
    msix_id: str
    facts: IdentityFacts


@dataclass(frozen=True, slots=True)
class NearMatch:
    """A child the record may be, not sure enough to link: a worklist item for a data admin."""

    msix_id: str
    state: str
    state_student_id: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """``msix_id`` is the child to link to, or None for a new child (provisional when ``near`` is
    not empty: a data admin decides); ``reasons`` are for people."""

    msix_id: str | None
    reasons: tuple[str, ...]
    score: float | None = None
    near: tuple[NearMatch, ...] = ()


class Matcher(Protocol):
    def blocking_keys(self, facts: IdentityFacts) -> list[str]: ...

    def lock_keys(self, facts: IdentityFacts) -> list[str]: ...

    def decide(self, facts: IdentityFacts, candidates: Sequence[Candidate]) -> MatchDecision: ...

    def bears_on(self, facts: IdentityFacts, candidate: Candidate) -> bool:
        """Whether ``candidate`` could change the decision about ``facts``: one it never could is
        left out of ``decide`` without changing what it decides."""
        ...

    def for_store(self, children: int) -> Matcher:
        """The matcher that decides in a store holding ``children`` children (a probabilistic one
        asks more of a link the larger the store: ``hub.identity.matcher.crowd_bits``)."""
        ...


class ExactMatcher:
    """Same normalized first name, first surname, birth date and sex, reported by another state."""

    def blocking_keys(self, facts: IdentityFacts) -> list[str]:
        if not (facts.first_name and facts.last_name_1 and facts.birth_date and facts.sex):
            return []  # too little to link on: the child gets an id of its own
        first, last = facts.first_name.replace(" ", ""), facts.last_name_1.replace(" ", "")
        return [f"{first}|{last}|{facts.birth_date.isoformat()}|{facts.sex}"]

    def lock_keys(self, facts: IdentityFacts) -> list[str]:
        return self.blocking_keys(facts)

    def for_store(self, children: int) -> ExactMatcher:
        return self  # exact agreement on four facts, whatever the store's size

    def decide(self, facts: IdentityFacts, candidates: Sequence[Candidate]) -> MatchDecision:
        matches = {c.msix_id for c in candidates if self.bears_on(facts, c)}
        if len(matches) == 1:
            return MatchDecision(matches.pop(), ("first name, first surname, birth date and sex agree",))
        if len(matches) > 1:
            return MatchDecision(None, (f"{len(matches)} children match exactly; not linked",))
        return MatchDecision(None, ("no child matches exactly",))

    def bears_on(self, facts: IdentityFacts, candidate: Candidate) -> bool:
        c = candidate.facts
        return (
            c.state != facts.state
            and bool(set(self.blocking_keys(facts)).intersection(self.blocking_keys(c)))
            and not _different_twins(facts, c)
        )


def _different_twins(a: IdentityFacts, b: IdentityFacts) -> bool:
    """Children of one multiple birth share surnames and birth date; a different first name means
    a different child, however alike the rest."""
    return (a.multiple_birth or b.multiple_birth) and a.first_name != b.first_name
