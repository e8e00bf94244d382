"""The states' record systems (``Profile``) and their habits.

Each state's system has its habits: accents kept or dropped, names in capitals, one surname or two,
columns it never fills, its own column order. ``columns_of`` is a state's header for a file,
``picker`` puts a row in that order, and a ``Speller`` writes names the way the system stores them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from hub.synthetic.columns import COLUMNS
from hub.synthetic.names import strip_accents


@dataclass(frozen=True, slots=True)
class Profile:
    system: str
    accents: bool
    """False: the system stores ASCII only (José -> Jose)."""
    upper: bool
    surnames: str
    """``split`` (last_name_1 paternal, last_name_2 maternal), ``paternal`` (only the first one),
    ``joined`` (both in last_name_1, separated by a space)."""
    middle: bool
    hour: int
    """Hour of the day (UTC) the state's nightly job sends the submission."""
    omit: frozenset[str] = frozenset()
    """Columns the system never fills, left out of its files altogether."""
    shuffle: bool = False
    """Columns in the system's own order rather than the contract's."""


# fmt: off
PROFILES: dict[str, Profile] = {
    "TX": Profile("NGS (New Generation System) 9.4", True, False, "split", True, 3),
    "CA": Profile("COEStar", True, False, "split", True, 9, frozenset({"msix_id"}), shuffle=True),
    "FL": Profile("FL MIS", True, False, "split", True, 5),
    "WA": Profile("MSIS", False, False, "split", True, 11, frozenset({"residency_date"})),
    "MI": Profile("MIS2000", False, False, "paternal", True, 6,
                  frozenset({"birth_city", "birth_state", "birth_country", "clock_hours"}), shuffle=True),
    "NC": Profile("NC MIS2000", False, True, "joined", False, 4, frozenset({"designated_graduation_school"})),
    "OR": Profile("OMSIS", True, False, "split", True, 10, shuffle=True),
    "GA": Profile("GA MIS2000", False, True, "paternal", False, 8, frozenset({"comment", "msix_id"})),
    "ID": Profile("ID MIS2000", False, False, "split", True, 7),
    "NY": Profile("NYS MEP Database", True, False, "joined", True, 2, shuffle=True),
}
# fmt: on
_DEFAULT_PROFILE = Profile("MIS2000", False, False, "split", True, 7)


def profile(state: str) -> Profile:
    return PROFILES.get(state, _DEFAULT_PROFILE)


@cache
def columns_of(state: str, file: str) -> tuple[str, ...]:
    """The header ``state`` writes for ``file``: action and id first, then its own order."""
    prof = profile(state)
    rest = [c for c in COLUMNS[file][2:] if c not in prof.omit]
    if prof.shuffle:
        random.Random(f"{state}/{file}").shuffle(rest)  # noqa: S311 - a fixed column order, nothing secret
    return ("action", "state_student_id", *rest)


@cache
def picker(state: str, file: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """From a row in the contract's column order to the cells of ``columns_of(state, file)``."""
    where = {column: i for i, column in enumerate(COLUMNS[file])}
    return itemgetter(*(where[column] for column in columns_of(state, file)))


class Speller(dict[str, str]):
    """Names as one state's system writes them: ``spell[name]``, cached (names come back all the time)."""

    def __init__(self, prof: Profile) -> None:
        super().__init__()
        self.prof = prof

    def __missing__(self, text: str) -> str:
        out = text if self.prof.accents else strip_accents(text)
        out = self[text] = out.upper() if self.prof.upper else out
        return out


@cache
def speller(state: str) -> Speller:
    return Speller(profile(state))
