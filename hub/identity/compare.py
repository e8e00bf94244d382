"""Field comparisons: each says how well one fact of two identities agrees, as a named level.

Levels run from the strongest agreement to disagreement; ``missing`` when either side did not
report the fact (it then weighs nothing, rather than counting against the pair). The weight of each
level is in ``model``; here only what counts as which level.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from hub.identity.features import Features
from hub.identity.nicknames import equivalent

MISSING = "missing"
DISAGREE = "disagree"
# Jaro-Winkler at or above this: a typo (one letter dropped, doubled or swapped in a short name).
TYPO = 0.9
# One keystroke (a letter substituted, dropped, doubled, or two neighbours swapped) in a name this
# long or longer is a typo too: Jaro-Winkler rewards a common start, so it misses a slip in the
# second or third letter of a short name (Itzel / Inzel 0.88, Alejandro / Ajejandro 0.896).
KEYSTROKE_MIN = 4


def similar(a: str, b: str) -> bool:
    """A typo of one another: Jaro-Winkler ≥ 0.9, or one keystroke apart after the same first letter
    (a first letter is rarely mistyped, and Rose / José are two names)."""
    if JaroWinkler.similarity(a, b) >= TYPO:
        return True
    return a[:1] == b[:1] and min(len(a), len(b)) >= KEYSTROKE_MIN and OSA.distance(a, b, score_cutoff=1) <= 1


def names_swapped(a: Features, b: Features) -> bool:
    """One state wrote the given name as the surname and the surname as the given name (each
    the same or a typo of the other: a clerk who swaps fields may mistype them too)."""
    if not (a.first and b.first and a.surnames and b.surnames):
        return False
    return _among(a.first_words[0], b.surnames) and _among(b.first_words[0], a.surnames)


def _among(word: str, words: tuple[str, ...]) -> bool:
    return word in words or any(similar(word, w) for w in words)


def first_name(a: Features, b: Features) -> str:
    """exact > nickname (Pepe/José, Lupe/Guadalupe) > compound (Juan Carlos / Juan, or a first name
    given as the middle one) > typo (Jaro-Winkler ≥ 0.9 or the same Metaphone code) > swapped (the
    given name and the surname exchanged) > crossed (one's given name is the other's surname) >
    disagree."""
    if not a.first or not b.first:
        return MISSING
    if a.first == b.first:
        return "exact"
    if equivalent(a.first, b.first) or _nickname_word(a.first_words, b.first_words):
        return "nickname"
    if _compound(a, b):
        return "compound"
    if similar(a.first, b.first) or (a.first_code == b.first_code and similar(a.first[:1], b.first[:1])):
        return "typo"
    if names_swapped(a, b):
        return "swapped"
    if names_crossed(a, b):
        return "crossed"
    return DISAGREE


def names_crossed(a: Features, b: Features) -> bool:
    """One state's given name is the other's surname (the same, or a typo of it), and the other name
    is not the same: a clerk moved one name to the other field and wrote another (or none) in its
    place, mistyping as clerks do (WEBBO / WEBB, MASNO / MASON, NE VILLE / NEVILLE)."""
    if not (a.first and b.first and a.surnames and b.surnames):
        return False
    return _given_among(a, b.surnames) or _given_among(b, a.surnames)


def _given_among(a: Features, surnames: tuple[str, ...]) -> bool:
    """The given name's first word, or the whole given name run together, among ``surnames``, or a
    typo of one that keeps its first letter. Every mistyped crossing in FEBRL kept it, and most
    pairs of two children differ there: comparing the first letters first spares them the
    similarity (a pair of strangers 1.0 µs, against 3.6 µs with a similarity for every surname)."""
    word = a.first_words[0]
    if word in surnames:
        return True
    joined = a.first.replace(" ", "") if len(a.first_words) > 1 else ""
    initial = word[0]
    for s in surnames:  # noqa: SIM110 - a loop: any() over a generator took twice as long (1.9 µs)
        if s[0] == initial and (similar(word, s) or (joined and similar(joined, s))):
            return True
    return False


def _nickname_word(wa: tuple[str, ...], wb: tuple[str, ...]) -> bool:
    """José Luis / Pepe: a one-word name that is a nickname of a word of the other. (Two one-word
    names are the whole names, which ``first_name`` has compared already.)"""
    if min(len(wa), len(wb)) != 1 or len(wa) == len(wb):
        return False
    return any(x != y and equivalent(x, y) for x in wa for y in wb)


def _compound(a: Features, b: Features) -> bool:
    """One name is the other with a word left out: Juan Carlos / Juan, María José / José, or a
    first name one state keeps as the middle name (first Juan, middle Carlos / first Juan Carlos)."""
    return _within(a.first_words, b) or _within(b.first_words, a)


def _within(words: tuple[str, ...], other: Features) -> bool:
    """Every word of one first name among the other's first and middle names."""
    has_middle = bool(other.facts.middle_name)  # most have none: no words to split then
    return all(w in other.first_words or (has_middle and w in other.middle_words) for w in words)


def surnames(a: Features, b: Features) -> str:
    """both (two or more surname words, the same, in order; joined or split alike) > one (the only
    surname either has is one of the other's: one versus two surnames, paternal or maternal) >
    swapped (the same two, in the other order) > typo (the same words but one letter off) > partial
    (two each, one in common) > disagree."""
    sa, sb = a.surnames, b.surnames
    if not sa or not sb:
        return MISSING
    if sa == sb:
        return "both" if len(sa) >= 2 else "one"
    if len(sa) == len(sb) and sorted(sa) == sorted(sb):
        return "swapped"
    if (len(sa) == 1 and sa[0] in sb) or (len(sb) == 1 and sb[0] in sa):
        return "one"
    if _aligned_typo(sa, sb):
        return "typo"
    if any(w in sb for w in sa):
        return "partial"
    if names_swapped(a, b):
        return "swapped"
    return DISAGREE


def _aligned_typo(sa: tuple[str, ...], sb: tuple[str, ...]) -> bool:
    """The first surnames alike (the same, or a typo), and, when both have as many, every other one
    too; one surname against two needs only the first alike."""
    if not (sa[0] == sb[0] or similar(sa[0], sb[0])):
        return False
    if min(len(sa), len(sb)) == 1:
        return True
    return len(sa) == len(sb) and all(x == y or similar(x, y) for x, y in zip(sa[1:], sb[1:], strict=True))


def birth_date(a: Features, b: Features) -> str:
    """exact > day/month transposed (3/4 vs 4/3) > one digit off (a typo in the ISO form) > disagree."""
    da, db = a.birth, b.birth
    if da is None or db is None:
        return MISSING
    if da == db:
        return "exact"
    if da.year == db.year and da.month == db.day and da.day == db.month:
        return "swapped"
    if _one_digit_off(da, db):
        return "digit"
    return DISAGREE


def _one_digit_off(a: date, b: date) -> bool:
    """One character apart in the ISO form: one part of the date differs, by one digit (the parts
    compared as numbers first, the digits only for the one that differs)."""
    if a.year != b.year:
        if a.month != b.month or a.day != b.day:
            return False
        x, y = f"{a.year:04d}", f"{b.year:04d}"
    elif a.month != b.month:
        if a.day != b.day:
            return False
        x, y = f"{a.month:02d}", f"{b.month:02d}"
    else:
        x, y = f"{a.day:02d}", f"{b.day:02d}"
    return sum(p != q for p, q in zip(x, y, strict=True)) == 1


def sex(a: Features, b: Features) -> str:
    sa, sb = a.facts.sex, b.facts.sex
    if not sa or not sb or "X" in (sa, sb):
        return MISSING
    return "agree" if sa == sb else DISAGREE


def middle_name(a: Features, b: Features) -> str:
    ma, mb = a.facts.middle_name, b.facts.middle_name
    if not ma or not mb:
        return MISSING
    return "agree" if ma == mb or similar(ma, mb) or (ma[:1] == mb and len(mb) == 1) else DISAGREE


def birthplace(a: Features, b: Features) -> str:
    """city (same country where both say, and the city alike) > country (the same country, the city
    missing or other) > disagree (another country, or another city in the same one)."""
    fa, fb = a.facts, b.facts
    if fa.birth_country and fb.birth_country and fa.birth_country != fb.birth_country:
        return DISAGREE
    if fa.birth_city and fb.birth_city:
        return "city" if similar(fa.birth_city, fb.birth_city) else DISAGREE
    if fa.birth_country and fb.birth_country:
        return "country"
    return MISSING


def parents(a: Features, b: Features) -> str:
    """name (a parent's first name and a parent's surname in common) > first (a first name in
    common) > disagree."""
    if not a.parents_first or not b.parents_first:
        return MISSING
    first = bool(a.parents_first & b.parents_first) or any(
        similar(x, y) for x in a.parents_first for y in b.parents_first
    )
    if not first:
        return DISAGREE
    return "name" if a.parents_last & b.parents_last else "first"
