"""What the comparisons read, computed once per identity: name words, phonetic codes, date parts.

A batch compares each incoming identity with tens of candidates, and a candidate with many incoming
identities; computing words and codes once per identity (``prepare`` is cached) keeps a comparison
to a few string equalities and, only when those fail, a Jaro-Winkler similarity.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, TypeVar, overload

import jellyfish

from hub.domain.identity import IdentityFacts
from hub.identity.nicknames import canonical

# Particles that come and go in compound surnames (De la Cruz, Del Río, Vda. de...): not compared.
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "VDA", "VAN", "DER", "DI", "DA", "DOS", "SAN"})


# A look-up takes at most PER_KEY identities from each blocking key, and none from a key more than
# CROWDED identities share. Such a key (a birth date and sex, a birthplace and a name, a common name
# in one birth year, once the store holds a million children) is near useless for finding a child:
# the first PER_KEY of hundreds are a lottery, yet each costs a row fetched, sent and scored, and the
# identity's narrower keys still find it. In PostgreSQL (``hub.store.identity_match``) only the
# crowded key's index entries are read, never its identities' rows. Measured (`msix bench
# identity-speed`, 1,000,000 children, the same 2,000 look-ups): candidates per look-up 65.1 with
# the cap alone, 31.8 with CROWDED 20, 19.6 with 10; links right / wrong 948 / 70, 947 / 70,
# 944 / 63. In memory (`msix bench identity`, synthetic seed 7), CROWDED 20 kept the same
# decisions, where 10 lost 0.1% of true pairs to blocking.
PER_KEY = 10
CROWDED = 20


T = TypeVar("T")


class _once(Generic[T]):  # lower case: used as a decorator, like functools.cached_property
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first read,
    a third of the cost here): worked out on first read and kept in the instance's dict, which
    later reads find first. Two threads reading at once would both work it out, alike."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _once[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | _once[T]:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value


class Features:
    """An identity's facts as the comparisons read them, each worked out on first use and kept: most
    candidates are given up on (``model.Bounded``) before their parents' names are compared, and a
    first name's phonetic code is read only when the names are neither the same nor nicknames."""

    __slots__ = ("__dict__", "birth", "facts", "first", "first_words", "surnames")

    def __init__(self, facts: IdentityFacts) -> None:
        self.facts = facts
        self.first = facts.first_name
        """The whole first name, words joined by one space (``JUAN CARLOS``)."""
        self.birth = facts.birth_date
        # Read for nearly every pair (the surnames, and the first name, come right after the
        # birth date): worked out now.
        self.first_words = _words(self.first)
        self.surnames = _surnames(facts)
        """Every surname word in order, particles dropped: last_name_1's words, then last_name_2's."""

    @_once
    def middle_words(self) -> tuple[str, ...]:
        return _words(self.facts.middle_name)

    @_once
    def first_code(self) -> str:
        """Metaphone of the first word of the first name, after nicknames are resolved (``PEPE`` -> ``JOSE``)."""
        words = self.first_words
        return code(canonical(words[0])) if words else ""

    @_once
    def surname_codes(self) -> tuple[str, ...]:
        return tuple(code(w) for w in self.surnames)

    @_once
    def city_prefix(self) -> str:
        """The birth city's first four letters, its words run together (``SAN JUAN`` -> ``SANJ``)."""
        return self.facts.birth_city.replace(" ", "")[:4]

    @_once
    def parents_first(self) -> frozenset[str]:
        f = self.facts
        return frozenset(w for n in (f.parent1_first_name, f.parent2_first_name) for w in _words(n)[:1])

    @_once
    def parents_last(self) -> frozenset[str]:
        f = self.facts
        return frozenset(w for n in (f.parent1_last_name, f.parent2_last_name) for w in _words(n) if w not in PARTICLES)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _surnames(facts: IdentityFacts) -> tuple[str, ...]:
    words = f"{facts.last_name_1} {facts.last_name_2}".split()
    if PARTICLES.isdisjoint(words):  # nearly every name: no particle to drop
        return tuple(words)
    return tuple(w for w in words if w not in PARTICLES) or tuple(words)


@lru_cache(maxsize=65536)
def code(word: str) -> str:
    """A phonetic code for blocking and comparison: Metaphone, which folds Spanish spellings that
    sound alike in English-speaking schools (Jiménez / Gimenez, Yesenia / Llesenia come close)."""
    return jellyfish.metaphone(word) or word


# Enough for one batch's candidates, which siblings and a child's reports from several states
# share. A larger cache bought nothing measurable in the look-up benchmark and cost memory and
# collector time (262,144 entries: a worker of 513 MB, full collections of 50-240 ms).
@lru_cache(maxsize=8192)
def prepare(facts: IdentityFacts) -> Features:
    return Features(facts)


# Kept apart from ``prepare``: only an incoming identity needs its keys (a worker asks for them
# several times in a batch, never again after), never the tens of candidates it is compared with;
# the keys took 40% of preparing an identity (16 of 40 µs) and most of a prepared identity's memory.
# Sized for a batch's identities (5,000 events brought about 500 new ones in the benchmark): 65,536 held
# about 100 MB of keys and their facts, the most of a worker's RSS above its 80 MB of code.
@lru_cache(maxsize=16384)
def keys(facts: IdentityFacts) -> tuple[str, ...]:
    """The identity's blocking keys (``matcher``)."""
    f = prepare(facts)
    initials = (f.first[:2], f.surnames[0][:2] if f.surnames else "")
    return blocking_keys(
        facts, f.first_code, f.surname_codes[:2], tuple(sorted(f.parents_first)), f.city_prefix, initials
    )


def blocking_keys(
    facts: IdentityFacts,
    first_code: str,
    codes: tuple[str, ...],
    parents: tuple[str, ...] = (),
    city: str = "",
    initials: tuple[str, str] = ("", ""),
) -> tuple[str, ...]:
    """See ``matcher``: D, F, M, P, Q, R, S, T, V, W and X keys. ``city``: the birth city's first
    letters (``city_prefix``); ``initials``: the first name's and the first surname's first two."""
    keys: list[str] = []
    first = facts.first_name
    if facts.birth_date is not None:
        d = facts.birth_date
        lo, hi = sorted((d.month, d.day))
        bucket = f"{d.year}-{lo:02d}-{hi:02d}"
        keys.append(f"D|{d.isoformat()}|{facts.sex}")
        if first_code:
            keys.append(f"F|{bucket}|{first_code}")
        keys.extend(f"S|{bucket}|{c}" for c in codes)
        if first_code:
            # Without the year: a typo in the year's digits leaves the month, day and names.
            keys.extend(f"M|{lo:02d}-{hi:02d}|{first_code}|{c}" for c in codes)
        if len(codes) > 1:
            # Two surnames are near a family's own name: with the year (a typo in the day or month)
            # or the day and month (in the year), whatever the first name (mistyped too).
            pair = "|".join(sorted(codes))
            keys.append(f"W|{pair}|{d.year}")
            keys.append(f"V|{pair}|{lo:02d}-{hi:02d}")
    if first_code and codes:
        # Sorted together: the same key when a state swaps the given name and the surname.
        keys.append(f"X|{'|'.join(sorted((first_code, *codes)))}")
        if len(codes) > 1:
            # The first surname alone: what a state that keeps one surname has (X differs then).
            # (Each surname alone found no more: the maternal one crowds its blocks.)
            keys.append(f"X|{'|'.join(sorted((first_code, codes[0])))}")
        plain = code(first.split(" ")[0]) if first else ""
        if plain and plain != first_code:
            # A name the nickname table resolves (MATTHEW -> MATEO) keeps its own code here too:
            # given name and surname exchanged, the other state's surname is the plain name.
            keys.append(f"X|{'|'.join(sorted((plain, *codes)))}")
        # A parent's first name with the child's first name and first surname: where there is no
        # date, one surname against two (X differs) and namesakes crowding X before the cap.
        names = "|".join(sorted((first_code, codes[0])))  # sorted, as X
        keys.extend(f"P|{names}|{code(p)}" for p in parents)
    if city:
        # The birthplace with one name's first letters, no date: a mistyped or missing date, the
        # other name mistyped or replaced, and a typo in either of these past their first letters
        # (LAKEBA / LAKEMBA, ROCHETTE). Phonetic codes instead (until 2026-12-07) lost the pairs
        # with a typo in the city too: FEBRL 4's blocking lost 0.66% of true pairs, now 0.27%.
        first_two, surname_two = initials
        if surname_two:
            keys.append(f"Q|{city}|{surname_two}")
        if first_two:
            keys.append(f"R|{city}|{first_two}")
        if first_two and surname_two:
            # Both names' first letters, in either order: given name and surname exchanged, each
            # mistyped past its first letters and the date replaced (FEBRL 3's CAMPBLEL JOSHUA /
            # JOSHUA CAMPBELL), where Q meets R's letters and X's codes differ. Unexchanged, it
            # finds no one Q and R do not.
            keys.append(f"T|{city}|{'|'.join(sorted(initials))}")
    return tuple(dict.fromkeys(keys))
