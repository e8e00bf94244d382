"""The states' school calendars, and the dates each state submits to the hub.

A school year runs from August of ``year`` to the summer after it; ``on(year, (month, day))`` places a
month and day in it. Every fact a state knows is carried by its next submission on or after the day
it knows it (``next_submission``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from functools import cache

MD = tuple[int, int]
"""(month, day) in a school year."""


@dataclass(frozen=True, slots=True)
class Calendar:
    """A state's school year and the habits of its migrant record system."""

    start: MD
    end: MD
    summer: tuple[MD, MD]
    terms: str
    """S semesters, B 4x4 block (a full course in one semester), T trimesters, FY full year."""
    test_month: int
    elp_month: int
    submit_day: int
    """The state submits to the hub twice a month: on this day (1-14) and two weeks later."""
    departure: float
    """Share of moves out of the state that it reports (move_to_state on the student row)."""
    open: float
    """Share of moves out of the state where it leaves the enrollment open."""
    transfers: float
    """Share of arriving high-school students whose earlier courses it records (transfer credit)."""
    partial_credit: bool
    numeric_grades: bool


# fmt: off
CALENDARS: dict[str, Calendar] = {
    "TX": Calendar((8, 13), (5, 22), ((6, 9), (7, 17)), "S", 4, 2, 1, 0.55, 0.25, 0.5, True, True),
    "CA": Calendar((8, 12), (6, 4), ((6, 16), (7, 25)), "S", 5, 2, 2, 0.45, 0.30, 0.4, True, False),
    "FL": Calendar((8, 11), (5, 28), ((6, 9), (7, 18)), "S", 5, 1, 3, 0.50, 0.25, 0.4, False, False),
    "WA": Calendar((8, 27), (6, 16), ((6, 23), (7, 31)), "S", 5, 1, 4, 0.40, 0.35, 0.5, True, False),
    "MI": Calendar((8, 25), (6, 11), ((6, 22), (7, 31)), "T", 4, 2, 5, 0.35, 0.35, 0.3, False, False),
    "NC": Calendar((8, 25), (6, 10), ((6, 16), (7, 31)), "B", 5, 1, 6, 0.45, 0.30, 0.4, False, False),
    "OR": Calendar((9, 2), (6, 11), ((6, 22), (7, 31)), "S", 5, 2, 7, 0.40, 0.30, 0.4, True, False),
    "GA": Calendar((8, 1), (5, 22), ((6, 8), (7, 10)), "S", 4, 1, 8, 0.35, 0.40, 0.3, False, True),
    "ID": Calendar((8, 20), (5, 28), ((6, 8), (7, 24)), "S", 4, 1, 9, 0.40, 0.30, 0.3, False, False),
    "NY": Calendar((9, 3), (6, 25), ((7, 1), (7, 31)), "FY", 4, 5, 10, 0.50, 0.25, 0.5, False, True),
    "AZ": Calendar((8, 4), (5, 21), ((6, 2), (7, 3)), "S", 4, 2, 11, 0.40, 0.30, 0.3, False, False),
    "OH": Calendar((8, 20), (5, 28), ((6, 15), (7, 31)), "S", 4, 2, 12, 0.40, 0.30, 0.3, False, False),
    "PA": Calendar((8, 26), (6, 5), ((6, 22), (7, 31)), "S", 4, 2, 13, 0.40, 0.30, 0.3, False, False),
    "MN": Calendar((9, 2), (6, 5), ((6, 15), (7, 31)), "S", 4, 2, 14, 0.40, 0.30, 0.3, False, False),
    "CO": Calendar((8, 13), (5, 22), ((6, 8), (7, 17)), "S", 4, 2, 1, 0.40, 0.30, 0.3, False, False),
    # The other MEP states: the South opens in early August, the North after Labor Day and closes
    # in June; a summer program runs in the weeks after school, over by the end of July.
    "AL": Calendar((8, 7), (5, 22), ((6, 2), (7, 10)), "S", 4, 1, 2, 0.40, 0.30, 0.3, False, False),
    "AK": Calendar((8, 19), (5, 21), ((6, 2), (7, 17)), "S", 4, 2, 3, 0.45, 0.25, 0.3, False, False),
    "AR": Calendar((8, 13), (5, 22), ((6, 2), (7, 17)), "S", 4, 2, 4, 0.40, 0.30, 0.3, False, True),
    "CT": Calendar((8, 27), (6, 12), ((6, 29), (7, 31)), "S", 5, 2, 5, 0.40, 0.30, 0.3, False, False),
    "DE": Calendar((8, 27), (6, 11), ((6, 23), (7, 31)), "S", 5, 2, 6, 0.40, 0.30, 0.3, False, False),
    "IL": Calendar((8, 18), (5, 29), ((6, 8), (7, 24)), "S", 4, 1, 7, 0.40, 0.30, 0.3, False, False),
    "IN": Calendar((8, 6), (5, 22), ((6, 2), (7, 17)), "S", 5, 1, 8, 0.40, 0.30, 0.3, False, False),
    "IA": Calendar((8, 21), (5, 29), ((6, 8), (7, 24)), "S", 4, 2, 9, 0.40, 0.30, 0.3, False, False),
    "KS": Calendar((8, 14), (5, 21), ((6, 2), (7, 17)), "S", 4, 2, 10, 0.40, 0.30, 0.3, False, False),
    "KY": Calendar((8, 12), (5, 22), ((6, 2), (7, 17)), "S", 5, 2, 11, 0.40, 0.30, 0.3, False, False),
    "LA": Calendar((8, 7), (5, 21), ((6, 2), (7, 10)), "S", 4, 2, 12, 0.40, 0.30, 0.3, False, True),
    "ME": Calendar((9, 2), (6, 12), ((6, 30), (7, 31)), "S", 5, 2, 13, 0.40, 0.30, 0.3, False, False),
    "MD": Calendar((8, 26), (6, 12), ((6, 23), (7, 31)), "S", 5, 1, 14, 0.40, 0.30, 0.3, False, False),
    "MA": Calendar((9, 3), (6, 17), ((6, 30), (7, 31)), "S", 5, 2, 1, 0.40, 0.30, 0.4, False, False),
    "MS": Calendar((8, 6), (5, 22), ((6, 2), (7, 10)), "S", 4, 1, 2, 0.40, 0.30, 0.3, False, True),
    "MO": Calendar((8, 20), (5, 22), ((6, 2), (7, 17)), "S", 4, 2, 3, 0.40, 0.30, 0.3, False, False),
    "MT": Calendar((8, 27), (6, 5), ((6, 15), (7, 31)), "S", 4, 2, 4, 0.40, 0.30, 0.3, False, False),
    "NE": Calendar((8, 13), (5, 21), ((6, 2), (7, 24)), "S", 4, 2, 5, 0.40, 0.30, 0.3, False, False),
    "NV": Calendar((8, 11), (5, 22), ((6, 8), (7, 17)), "S", 4, 1, 6, 0.40, 0.30, 0.3, False, False),
    "NJ": Calendar((9, 3), (6, 18), ((6, 29), (7, 31)), "S", 5, 2, 7, 0.40, 0.30, 0.4, False, True),
    "NM": Calendar((8, 6), (5, 22), ((6, 2), (7, 10)), "S", 4, 2, 8, 0.40, 0.30, 0.3, False, False),
    "ND": Calendar((8, 25), (5, 29), ((6, 8), (7, 31)), "S", 4, 2, 9, 0.40, 0.30, 0.3, False, False),
    "OK": Calendar((8, 14), (5, 20), ((6, 2), (7, 10)), "S", 4, 2, 10, 0.40, 0.30, 0.3, False, False),
    "SC": Calendar((8, 18), (5, 29), ((6, 8), (7, 24)), "S", 5, 1, 11, 0.40, 0.30, 0.3, False, True),
    "SD": Calendar((8, 21), (5, 22), ((6, 2), (7, 24)), "S", 4, 2, 12, 0.40, 0.30, 0.3, False, False),
    "TN": Calendar((8, 7), (5, 22), ((6, 2), (7, 17)), "S", 4, 2, 13, 0.40, 0.30, 0.3, False, False),
    "UT": Calendar((8, 20), (5, 29), ((6, 8), (7, 24)), "T", 4, 1, 14, 0.40, 0.30, 0.3, False, False),
    "VT": Calendar((8, 27), (6, 12), ((6, 23), (7, 31)), "S", 5, 2, 1, 0.40, 0.30, 0.3, False, False),
    "VA": Calendar((8, 25), (6, 12), ((6, 23), (7, 31)), "B", 5, 1, 2, 0.45, 0.30, 0.4, False, True),
    "WI": Calendar((9, 2), (6, 5), ((6, 15), (7, 31)), "S", 4, 2, 3, 0.40, 0.30, 0.3, False, False),
    "WY": Calendar((8, 25), (5, 28), ((6, 8), (7, 24)), "S", 4, 2, 4, 0.40, 0.30, 0.3, False, False),
}
# fmt: on


def on(year: int, md: MD) -> date:
    """A month and day of the school year starting in August of ``year``."""
    return date(year if md[0] >= 8 else year + 1, md[0], md[1])


def school_year_of(day: date) -> int:
    """The year of August in which the school year of ``day`` starts: the inverse of ``on``."""
    return day.year if day.month >= 8 else day.year - 1


@cache
def schedule(state: str, year: int, through: date) -> tuple[date, ...]:
    """The dates ``state`` submits to the hub: twice a month, and on ``through`` (the last one)."""
    day = CALENDARS[state].submit_day
    dates: list[date] = []
    month = date(year, 8, 1)
    while month < through:
        dates.extend(d for d in (month.replace(day=day), month.replace(day=day + 14)) if d < through)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (*dates, through)


def next_submission(state: str, year: int, through: date, known: date) -> date | None:
    """The first submission of ``state`` that carries a fact known on ``known`` (None: after through)."""
    dates = schedule(state, year, through)
    i = bisect.bisect_left(dates, known)
    return dates[i] if i < len(dates) else None
