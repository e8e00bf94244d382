"""What the comparisons read, computed once per identity: name words, phonetic codes, date parts.

A batch compares each incoming identity with tens of candidates, and a candidate with many incoming
identities; computing words and codes once per identity (``prepare`` is cached) keeps a comparison
to a few string equalities and, only when those fail, a Jaro-Winkler similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import jellyfish

from hub.domain.identity import IdentityFacts
from hub.identity.nicknames import canonical

# Particles that come and go in compound surnames (De la Cruz, Del Río, Vda. de...): not compared.
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "VDA", "VAN", "DER", "DI", "DA", "DOS", "SAN"})


@dataclass(frozen=True, slots=True)
class Features:
    facts: IdentityFacts
    first: str
    """The whole first name, words joined by one space (``JUAN CARLOS``)."""
    first_words: tuple[str, ...]
    first_and_middle: tuple[str, ...]
    first_code: str
    """Metaphone of the first word of the first name, after nicknames are resolved (``PEPE`` -> ``JOSE``)."""
    surnames: tuple[str, ...]
    """Every surname word in order, particles dropped: last_name_1's words, then last_name_2's."""
    surname_codes: tuple[str, ...]
    birth: date | None
    parents_first: frozenset[str]
    parents_last: frozenset[str]
    keys: tuple[str, ...]
    """Blocking keys (``matcher``), computed once with the rest."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _surnames(facts: IdentityFacts) -> tuple[str, ...]:
    words = _words(facts.last_name_1) + _words(facts.last_name_2)
    kept = tuple(w for w in words if w not in PARTICLES)
    return kept or words


@lru_cache(maxsize=65536)
def code(word: str) -> str:
    """A phonetic code for blocking and comparison: Metaphone, which folds Spanish spellings that
    sound alike in English-speaking schools (Jiménez / Gimenez, Yesenia / Llesenia come close)."""
    return jellyfish.metaphone(word) or word


@lru_cache(maxsize=262144)
def prepare(facts: IdentityFacts) -> Features:
    first_words = _words(facts.first_name)
    surnames = _surnames(facts)
    first_code = code(canonical(first_words[0])) if first_words else ""
    surname_codes = tuple(code(w) for w in surnames)
    parents_first = frozenset(w for n in (facts.parent1_first_name, facts.parent2_first_name) for w in _words(n)[:1])
    return Features(
        facts=facts,
        first=facts.first_name,
        first_words=first_words,
        first_and_middle=first_words + _words(facts.middle_name),
        first_code=first_code,
        surnames=surnames,
        surname_codes=surname_codes,
        birth=facts.birth_date,
        parents_first=parents_first,
        parents_last=frozenset(
            w for n in (facts.parent1_last_name, facts.parent2_last_name) for w in _words(n) if w not in PARTICLES
        ),
        keys=blocking_keys(facts, first_code, surname_codes[:2], tuple(sorted(parents_first))),
    )


def blocking_keys(
    facts: IdentityFacts, first_code: str, codes: tuple[str, ...], parents: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """See ``matcher``: D, E, F, M, N, P, S and X keys."""
    keys: list[str] = []
    first = facts.first_name
    if facts.birth_date is not None:
        d = facts.birth_date
        lo, hi = sorted((d.month, d.day))
        bucket = f"{d.year}-{lo:02d}-{hi:02d}"
        keys.append(f"D|{d.isoformat()}|{facts.sex}")
        if first:
            keys.append(f"E|{first}|{d.isoformat()}")
        if first_code:
            keys.append(f"F|{bucket}|{first_code}")
            keys.extend(f"N|{d.year}|{facts.sex}|{first_code}|{c}" for c in codes)
        keys.extend(f"S|{bucket}|{c}" for c in codes)
        if first_code:
            # Without the year: a typo in the year's digits leaves the month, day and names.
            keys.extend(f"M|{lo:02d}-{hi:02d}|{first_code}|{c}" for c in codes)
    if first_code and codes:
        # Sorted together: the same key when a state swaps the given name and the surname.
        keys.append(f"X|{'|'.join(sorted((first_code, *codes)))}")
        # A parent's first name with the child's first name and first surname: where there is no
        # date, one surname against two (X differs) and namesakes crowding X before the cap.
        names = "|".join(sorted((first_code, codes[0])))  # sorted, as X
        keys.extend(f"P|{names}|{code(p)}" for p in parents)
    return tuple(dict.fromkeys(keys))
