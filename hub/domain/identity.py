"""Which child a state's student record belongs to.

The worker asks a ``Matcher`` two things: which blocking keys to look candidates up by (one indexed
query), and, given the candidates found, which MSIX id the record belongs to, if any. This module
holds the exact matcher: the same state and state id is always the same child (the store answers
that before a matcher is asked); across states, an exact match of the normalized first name, first
surname, birth date and sex is the same child. A probabilistic matcher can replace it behind the
same interface.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

_NOT_LETTERS = re.compile(r"[^A-Z]")


def normalize_name(name: str | None) -> str:
    """Upper case, accents dropped, only letters: ``"Ramírez-López"`` -> ``"RAMIREZLOPEZ"``."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTERS.sub("", plain.upper())


@dataclass(frozen=True, slots=True)
class IdentityFacts:
    """What a state says about who a child is, as far as matching goes."""

    state: str
    state_student_id: str
    first_name: str
    last_name_1: str
    last_name_2: str
    birth_date: date | None
    sex: str
    multiple_birth: bool


def facts_from_fields(state: str, state_student_id: str, fields: dict[str, Any]) -> IdentityFacts:
    return IdentityFacts(
        state=state,
        state_student_id=state_student_id,
        first_name=normalize_name(fields.get("first_name")),
        last_name_1=normalize_name(fields.get("last_name_1")),
        last_name_2=normalize_name(fields.get("last_name_2")),
        birth_date=fields.get("birth_date"),
        sex=fields.get("sex") or "",
        multiple_birth=fields.get("multiple_birth") == "Y",
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    msix_id: str
    facts: IdentityFacts


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """``msix_id`` is the child to link to, or None for a new child; ``reasons`` are for people."""

    msix_id: str | None
    reasons: tuple[str, ...]


class Matcher(Protocol):
    def blocking_keys(self, facts: IdentityFacts) -> list[str]: ...

    def decide(self, facts: IdentityFacts, candidates: Sequence[Candidate]) -> MatchDecision: ...


class ExactMatcher:
    """Same normalized first name, first surname, birth date and sex, reported by another state."""

    def blocking_keys(self, facts: IdentityFacts) -> list[str]:
        if not (facts.first_name and facts.last_name_1 and facts.birth_date and facts.sex):
            return []  # too little to link on: the child gets an id of its own
        return [f"{facts.first_name}|{facts.last_name_1}|{facts.birth_date.isoformat()}|{facts.sex}"]

    def decide(self, facts: IdentityFacts, candidates: Sequence[Candidate]) -> MatchDecision:
        keys = set(self.blocking_keys(facts))
        matches = {
            c.msix_id
            for c in candidates
            if c.facts.state != facts.state
            and keys.intersection(self.blocking_keys(c.facts))
            and not _different_twins(facts, c.facts)
        }
        if len(matches) == 1:
            return MatchDecision(matches.pop(), ("first name, first surname, birth date and sex agree",))
        if len(matches) > 1:
            return MatchDecision(None, (f"{len(matches)} children match exactly; not linked",))
        return MatchDecision(None, ("no child matches exactly",))


def _different_twins(a: IdentityFacts, b: IdentityFacts) -> bool:
    """Children of one multiple birth share surnames and birth date; a different first name means
    a different child, however alike the rest."""
    return (a.multiple_birth or b.multiple_birth) and a.first_name != b.first_name
