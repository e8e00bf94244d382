"""Families and children: who they are, whatever state reports them.

A child's identity here is the truth; each state's record of it (accents dropped, one surname only)
is made in ``profiles`` and ``versions``, with the state's own ids made here. Siblings share surnames
and parents; twins share a birth date and never a first name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hub.synthetic.draws import between
from hub.synthetic.names import BIRTHPLACES, FOREIGN_BORN, GIVEN_F, GIVEN_M, MIDDLE_VN, SURNAMES
from hub.synthetic.places import CITIES


@dataclass(frozen=True, slots=True)
class Child:
    key: int
    """Unique in the world (and across the cohorts of ``events_for``): the truth of identity."""
    family: int
    origin: str
    first_name: str
    middle_name: str
    last_name_1: str
    """Paternal surname (or the only one)."""
    last_name_2: str
    """Maternal surname, '' for a child who has only one."""
    suffix: str
    sex: str
    birth_date: date
    multiple_birth: bool
    birth_city: str
    birth_state: str
    birth_country: str
    grade: str
    """Grade level this school year: PK, KG, 01..12, UG (ungraded) or OS (out-of-school youth)."""
    lep: bool
    iep: bool
    medical_alert: str
    immunized: bool
    ability: float
    """0..1, drives grades and test scores."""

    @property
    def grade_number(self) -> int | None:
        """1..12 for a numbered grade, None for PK, KG, UG and OS."""
        return int(self.grade) if self.grade.isdigit() else None

    @property
    def in_high_school(self) -> bool:
        return self.grade in ("09", "10", "11", "12")


@dataclass(frozen=True, slots=True)
class Family:
    key: int
    origin: str
    home_state: str
    home_city: str
    parent1_first: str
    parent1_last: str
    parent2_first: str
    """'' for a single-parent family."""
    parent2_last: str
    children: tuple[Child, ...]


_ORIGIN_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "TX": (("mx", 0.88), ("gt", 0.04), ("vn", 0.03), ("us", 0.05)),
    "CA": (("mx", 0.84), ("gt", 0.10), ("vn", 0.03), ("us", 0.03)),
    "FL": (("mx", 0.50), ("gt", 0.24), ("ht", 0.19), ("us", 0.07)),
    "NC": (("mx", 0.60), ("gt", 0.15), ("ht", 0.05), ("us", 0.20)),
    "NY": (("mx", 0.55), ("gt", 0.20), ("ht", 0.15), ("us", 0.10)),
    "GA": (("mx", 0.70), ("gt", 0.15), ("us", 0.15)),
    "MI": (("mx", 0.75), ("us", 0.25)),
}
_DEFAULT_ORIGINS = (("mx", 0.85), ("gt", 0.08), ("us", 0.07))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def family_size(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.30 else 2 if roll < 0.60 else 3 if roll < 0.82 else 4 if roll < 0.94 else 5


def grade_for(age: int, retained: bool) -> str:
    """Grade level of a child ``age`` years old on September 1st (PK at 3-4, KG at 5, 12th at 17)."""
    grade = age - 5 - (1 if retained and age >= 7 else 0)
    if grade < 0:
        return "PK"
    return "KG" if grade == 0 else f"{min(grade, 12):02d}"


def make_family(
    rng: random.Random, key: int, first_child: int, home_state: str, home_city: str, size: int, year: int
) -> Family:
    """A family of ``home_state`` with up to ``size`` children aged 3-20 on September 1st of ``year``."""
    origin = _pick(rng, _ORIGIN_WEIGHTS.get(home_state, _DEFAULT_ORIGINS))
    father_last, mother_last = rng.choice(SURNAMES[origin]), rng.choice(SURNAMES[origin])
    if origin in ("us", "ht") and rng.random() < 0.6:
        mother_last = father_last  # took her husband's name
    father, mother = rng.choice(GIVEN_M[origin]), rng.choice(GIVEN_F[origin])
    single_mother = rng.random() < 0.15
    parents = (mother, mother_last, "", "") if single_mother else (father, father_last, mother, mother_last)
    surnames = _child_surnames(rng, origin, mother_last if single_mother else father_last, mother_last)
    children: list[Child] = []
    used = {father, mother}
    age = min(between(rng, 3, 15) + min(2 * (size - 1), 5), 19)
    born = date(1, 1, 1)
    junior = origin == "us" and not single_mother
    for number in range(size):
        twin = number > 0 and rng.random() < 0.05
        if twin:  # the earlier twin is one too
            children[-1] = replace(children[-1], multiple_birth=True)
        else:
            age -= between(rng, 1, 4) if number else 0
            if age < 3:
                break
            born = date(year - age - 1, 9, 2) + timedelta(days=rng.randrange(365))
        sex = rng.choice("FM")
        if junior and sex == "M" and rng.random() < 0.15:
            first, suffix, junior = father, "Jr.", False  # named after his father, once per family
        else:
            first, suffix = _first_name(rng, origin, sex, used), ""
        home = home_city if rng.random() < 0.8 else rng.choice(CITIES[home_state])[0], home_state
        who = (first, suffix, sex, born, age, twin)
        children.append(_child(rng, first_child + len(children), key, origin, who, surnames, used, home))
    return Family(key, origin, home_state, home_city, *parents, tuple(children))


def _child_surnames(rng: random.Random, origin: str, paternal: str, maternal: str) -> tuple[str, str]:
    if origin not in ("mx", "gt") or paternal == maternal:
        return paternal, ""
    roll = rng.random()
    if roll < 0.12:
        return paternal, ""  # registered with the father's surname only
    if roll < 0.17:
        return f"{paternal}-{maternal}", ""  # the family chose a hyphenated surname
    return paternal, maternal


def _given(origin: str, sex: str) -> tuple[str, ...]:
    return (GIVEN_F if sex == "F" else GIVEN_M)[origin]


def _first_name(rng: random.Random, origin: str, sex: str, used: set[str]) -> str:
    pool = _given(origin, sex)
    while True:
        name = rng.choice(pool)
        if name not in used:
            used.add(name)
            return name


def _middle_name(rng: random.Random, origin: str, sex: str, first: str, used: set[str]) -> str:
    if origin == "vn":
        return rng.choice(MIDDLE_VN[sex]) if rng.random() < 0.8 else ""
    if rng.random() >= (0.6 if origin == "us" else 0.3):
        return ""
    middle = rng.choice(_given(origin, sex))
    return "" if middle in used or " " in middle or middle in first else middle


def _child(
    rng: random.Random,
    key: int,
    family: int,
    origin: str,
    who: tuple[str, str, str, date, int, bool],
    surnames: tuple[str, str],
    used: set[str],
    home: tuple[str, str],
) -> Child:
    first, suffix, sex, born, age, twin = who
    places = BIRTHPLACES[origin]
    city, region, country = *home, "US"
    if places and rng.random() < FOREIGN_BORN[origin]:
        city, region, country = rng.choice(places)
    osy = age >= 16 and country != "US" and rng.random() < 0.4
    grade = "OS" if osy else grade_for(age, rng.random() < 0.08)
    if grade not in ("OS", "PK", "KG") and rng.random() < 0.005:
        grade = "UG"
    return Child(
        key=key,
        family=family,
        origin=origin,
        first_name=first,
        middle_name=_middle_name(rng, origin, sex, first, used),
        last_name_1=surnames[0],
        last_name_2=surnames[1],
        suffix=suffix,
        sex=sex,
        birth_date=born,
        multiple_birth=twin,
        birth_city=city,
        birth_state=region,
        birth_country=country,
        grade=grade,
        lep=origin != "us" and rng.random() < (0.6 if age < 10 else 0.35),
        iep=grade == "UG" or rng.random() < 0.09,
        medical_alert=_medical_alert(rng.random()),
        immunized=rng.random() < 0.92,
        ability=min(max(rng.gauss(0.55, 0.2), 0.0), 1.0),
    )


def _medical_alert(roll: float) -> str:
    return "N" if roll < 0.95 else "C" if roll < 0.99 else "A"  # none, chronic (asthma...), acute


# --- each state's identifiers ----------------------------------------------------------------------

# (prefix, digits, multiplier, id type). The number is an affine permutation of the child's key
# (the multiplier is prime to 10), so ids are unique within a state and look unrelated across
# states; the prefixes differ, so one child never gets the same id from two states.
_ID_FORMATS: dict[str, tuple[str, int, int, str]] = {
    "TX": ("8", 9, 7_919_203, "01"),
    "CA": ("4", 9, 6_151_997, "01"),
    "FL": ("FL", 10, 5_003_471, "01"),
    "WA": ("5", 9, 3_571_439, "01"),
    "MI": ("2", 9, 9_990_013, "01"),
    "NC": ("NC", 8, 1_299_709, "02"),
    "OR": ("3", 8, 2_750_159, "01"),
    "GA": ("6", 9, 4_256_249, "01"),
    "ID": ("ID", 8, 8_000_009, "02"),
    "NY": ("1", 9, 1_000_003, "01"),
    "AZ": ("AZ", 8, 1_234_577, "01"),
    "OH": ("OH", 8, 7_654_321, "01"),
    "PA": ("PA", 8, 3_333_331, "01"),
    "MN": ("MN", 8, 2_222_223, "01"),
    "CO": ("CO", 8, 5_555_553, "01"),
    # The other MEP states: the state's code and eight digits.
    "AL": ("AL", 8, 1_100_003, "01"),
    "AK": ("AK", 8, 1_300_003, "01"),
    "AR": ("AR", 8, 1_500_003, "01"),
    "CT": ("CT", 8, 1_700_003, "01"),
    "DE": ("DE", 8, 1_900_003, "01"),
    "IL": ("IL", 8, 2_100_003, "01"),
    "IN": ("IN", 8, 2_300_003, "01"),
    "IA": ("IA", 8, 2_500_003, "01"),
    "KS": ("KS", 8, 2_700_003, "01"),
    "KY": ("KY", 8, 2_900_003, "01"),
    "LA": ("LA", 8, 3_100_003, "01"),
    "ME": ("ME", 8, 3_300_003, "01"),
    "MD": ("MD", 8, 3_500_003, "01"),
    "MA": ("MA", 8, 3_700_003, "01"),
    "MS": ("MS", 8, 3_900_003, "01"),
    "MO": ("MO", 8, 4_100_003, "01"),
    "MT": ("MT", 8, 4_300_003, "01"),
    "NE": ("NE", 8, 4_500_003, "01"),
    "NV": ("NV", 8, 4_700_003, "01"),
    "NJ": ("NJ", 8, 4_900_003, "01"),
    "NM": ("NM", 8, 5_100_003, "01"),
    "ND": ("ND", 8, 5_300_003, "01"),
    "OK": ("OK", 8, 5_500_003, "01"),
    "SC": ("SC", 8, 5_700_003, "01"),
    "SD": ("SD", 8, 5_900_003, "01"),
    "TN": ("TN", 8, 6_100_003, "01"),
    "UT": ("UT", 8, 6_300_003, "01"),
    "VT": ("VT", 8, 6_500_003, "01"),
    "VA": ("VA", 8, 6_700_003, "01"),
    "WI": ("WI", 8, 6_900_003, "01"),
    "WY": ("WY", 8, 7_100_003, "01"),
}


def state_student_id(state: str, child: int) -> str:
    prefix, digits, multiplier, _ = _ID_FORMATS[state]
    return f"{prefix}{(child * multiplier + 12_345) % 10**digits:0{digits}d}"


def state_id_type(state: str) -> str:
    """01 a state student id, 02 an id the state's migrant program assigns."""
    return _ID_FORMATS[state][3]


def enrollment_id(state: str, child: int, ordinal: int) -> str:
    _, _, multiplier, _ = _ID_FORMATS[state]
    return f"{(((child << 6) | ordinal) * multiplier + 977) % 10**12:012d}"
