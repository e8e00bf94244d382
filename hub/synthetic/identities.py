"""Identity reports with known truth, for the matcher's accuracy benchmark and tests.

Families come from ``people.make_family`` (siblings share surnames, parents and home town; twins
share a birth date and never a first name). Each report of a child is what one state's system
writes about it, with the defects below drawn independently per report. The noise model, with the
rate of each defect per report:

- the system: accents dropped (50%), names in capitals (30%); surnames split (paternal, maternal:
  60%), paternal only (20%), both in the first surname field joined by a space (15%) or a hyphen (5%);
  middle name kept (60%); birthplace kept (60%); parents kept (85%), the second parent dropped (10%);
- first name: a nickname (6%, of names that have one: Pepe, Lupe, Chuy, Mike...), a compound name cut
  to one of its words (30% of compound names), the middle name given as the first (2%), a typo (3%);
- surnames: the two swapped (4%), the maternal one only (2%), a typo in one (3%);
- birth date: day and month swapped (3%, where both are ≤ 12), one digit off (2%, and the swap's 3%
  where the day is over 12: about 3.9% in all), missing (1.5%);
- sex: missing (2%), wrong (0.3%); a twin's multiple-birth flag missing (15%);
- typos in a parent's first name (3%) and in the birth city (3%).

A typo is one letter substituted, dropped, doubled or swapped with its neighbour. ``Report.child``
is the truth; ``fields`` are the MDE columns a state sends (names as strings, the date a ``date``).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hub.identity.nicknames import NICKNAMES
from hub.synthetic.names import strip_accents
from hub.synthetic.people import Child, Family, family_size, make_family
from hub.synthetic.places import CITIES

STATES = ("TX", "CA", "FL", "WA", "MI", "NC", "OR", "GA", "ID", "NY")


@dataclass(frozen=True, slots=True)
class Report:
    child: int
    family: int
    state: str
    state_student_id: str
    fields: dict[str, Any]


def families(seed: int, count: int, year: int = 2025) -> Iterator[Family]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, nothing secret
    next_child = 1
    for key in range(count):
        state = rng.choice(STATES)
        city = rng.choice(CITIES[state])[0]
        fam = make_family(rng, key, next_child, state, city, family_size(rng), year)
        next_child += len(fam.children) + 1
        yield fam


def report(rng: random.Random, fam: Family, child: Child, state: str, ssid: str) -> Report:
    """One state's report of ``child``, with the noise model's defects drawn independently."""
    spell = _system(rng)
    first, middle = child.first_name, child.middle_name
    first = _first_name_defects(rng, first, child.sex)
    if middle and rng.random() < 0.02:
        first, middle = middle, ""
    if rng.random() >= 0.6:
        middle = ""
    last_1, last_2 = child.last_name_1, child.last_name_2
    if last_2 and rng.random() < 0.04:
        last_1, last_2 = last_2, last_1
    elif last_2 and rng.random() < 0.02:
        last_1, last_2 = last_2, ""
    if rng.random() < 0.03:
        if last_2 and rng.random() < 0.5:
            last_2 = typo(rng, last_2)
        else:
            last_1 = typo(rng, last_1)
    last_1, last_2 = _surname_style(rng, last_1, last_2)
    fields: dict[str, Any] = {
        "first_name": spell(first),
        "middle_name": spell(middle),
        "last_name_1": spell(last_1),
        "last_name_2": spell(last_2),
        "birth_date": _birth_date(rng, child.birth_date),
        "sex": _sex(rng, child.sex),
        "multiple_birth": "Y" if child.multiple_birth and rng.random() >= 0.15 else "N",
    }
    if rng.random() < 0.6:
        city = typo(rng, child.birth_city) if rng.random() < 0.03 else child.birth_city
        fields.update(birth_city=spell(city), birth_state=spell(child.birth_state), birth_country=child.birth_country)
    if rng.random() < 0.85:
        p1 = typo(rng, fam.parent1_first) if rng.random() < 0.03 else fam.parent1_first
        fields.update(parent1_first_name=spell(p1), parent1_last_name=spell(fam.parent1_last))
        if fam.parent2_first and rng.random() >= 0.1:
            fields.update(parent2_first_name=spell(fam.parent2_first), parent2_last_name=spell(fam.parent2_last))
    return Report(child.key, fam.key, state, ssid, fields)


def _system(rng: random.Random) -> Any:
    accents, upper = rng.random() >= 0.5, rng.random() < 0.3

    def spell(text: str) -> str:
        out = text if accents else strip_accents(text)
        return out.upper() if upper else out

    return spell


def _surname_style(rng: random.Random, last_1: str, last_2: str) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.6 or not last_2:
        return last_1, last_2
    if roll < 0.8:
        return last_1, ""
    return f"{last_1}{' ' if roll < 0.95 else '-'}{last_2}", ""


_NICKS_OF = NICKNAMES


def _first_name_defects(rng: random.Random, first: str, sex: str) -> str:
    plain = strip_accents(first).upper()
    words = first.split(" ")
    if plain in _NICKS_OF and rng.random() < 0.06:
        return rng.choice(_NICKS_OF[plain]).capitalize()
    if len(words) > 1 and rng.random() < 0.3:
        return rng.choice(words)
    if rng.random() < 0.03:
        return typo(rng, first)
    return first


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)  # the first letter is usually right
    kind = rng.random()
    if kind < 0.3:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]
    if kind < 0.55:
        return text[:i] + text[i + 1 :]
    if kind < 0.8:
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _birth_date(rng: random.Random, born: date) -> date | None:
    roll = rng.random()
    if roll < 0.015:
        return None
    if roll < 0.045 and born.day <= 12 and born.day != born.month:
        return date(born.year, born.day, born.month)
    if roll < 0.065:
        return _digit_off(rng, born)
    return born


def _digit_off(rng: random.Random, born: date) -> date:
    text = born.isoformat()
    for _ in range(10):
        i = rng.choice((2, 3, 6, 8, 9))  # a digit of the year's decade, the month or the day
        candidate = text[:i] + rng.choice("0123456789".replace(text[i], "")) + text[i + 1 :]
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return born + timedelta(days=1)


def _sex(rng: random.Random, sex: str) -> str:
    roll = rng.random()
    if roll < 0.02:
        return ""
    if roll < 0.023:
        return "F" if sex == "M" else "M"
    return sex


@dataclass(frozen=True, slots=True)
class LinkageSet:
    """Two states' reports: ``stored`` (one per child of the families in it) and ``incoming`` (some
    of the same children, their siblings and twins, and children ``stored`` never saw)."""

    stored: list[Report]
    incoming: list[Report]

    @property
    def true_matches(self) -> int:
        seen = {r.child for r in self.stored}
        return sum(r.child in seen for r in self.incoming)


def linkage_set(seed: int, family_count: int, overlap: float = 0.6) -> LinkageSet:
    """Families reported by a first state (stored); of each family reported again by a second state,
    each child with probability ``overlap``; and as many new families in the second state only."""
    rng = random.Random(seed * 7919 + 1)  # noqa: S311 - synthetic data, nothing secret
    stored: list[Report] = []
    incoming: list[Report] = []
    for fam in families(seed, family_count):
        a, b = rng.sample(STATES, 2)
        only_b = rng.random() < 0.3
        for child in fam.children:
            if not only_b:
                stored.append(report(rng, fam, child, a, f"{a}{child.key:08d}"))
            if only_b or rng.random() < overlap:
                incoming.append(report(rng, fam, child, b, f"{b}{child.key:08d}"))
    return LinkageSet(stored, incoming)
