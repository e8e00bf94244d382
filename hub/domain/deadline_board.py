"""What a dashboard says about deadlines: how many of each state's obligations are open, due soon and
overdue at a moment; how long open identity worklist items have waited, in working days; which
elements a child's record from a state lacks. Pure: the rows, the calendars and the clock come in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.domain.deadlines import Calendar, Obligation, due_at, standing

# Age of an open worklist item in working days: [0, 2), [2, 5), [5, 10), 10 and more.
AGE_BUCKETS = ("<2", "2-5", "5-10", ">10")
_BOUNDS = ((2, "<2"), (5, "2-5"), (10, "5-10"))
# What a child needs in a state's record beyond what the connector already refuses to go without:
# the qualifying arrival date (eligibility, the child count) and an enrollment (Category 1).
MEP_ELEMENTS = ("qad", "enrollment")
_URGENCY = {"open": 0, "due_soon": 1, "overdue": 2}
_SEARCH_DAYS = 3660  # how far from today a cut-off is looked for: ten years, far beyond any time frame


@dataclass(frozen=True)
class Tally:
    """A state's unanswered obligations; ``due_soon`` and ``overdue`` are parts of ``open``."""

    open: int = 0
    due_soon: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class Cutoffs:
    """For an obligation that starts when something arrives: at a given moment, what arrived before
    ``due_soon`` is due soon or overdue, what arrived before ``overdue`` is overdue, the rest is open.
    The later a thing arrives the later it is due, so two moments split every arrival: a database
    can count by them in one pass, with no due date worked out per row."""

    due_soon: datetime
    overdue: datetime


def cutoffs(calendar: Calendar, obligation: Obligation, now: datetime) -> Cutoffs:
    """The two moments, by ``standing`` itself on the state's local days around ``now``."""
    return Cutoffs(_first_day_below(calendar, obligation, now, 1), _first_day_below(calendar, obligation, now, 2))


def _urgency(calendar: Calendar, obligation: Obligation, day: date, now: datetime) -> int:
    arrived = calendar.end_of(day - timedelta(days=1))  # the local midnight ``day`` begins with
    return _URGENCY[standing(calendar, due_at(calendar, obligation, arrived), None, now)]


def _first_day_below(calendar: Calendar, obligation: Obligation, now: datetime, urgency: int) -> datetime:
    """The start of the first local day whose arrivals are less urgent than ``urgency`` at ``now``:
    urgency only falls as the day of arrival moves later, so walk from today towards it."""
    day = calendar.local_date(now)
    below = _urgency(calendar, obligation, day, now) < urgency
    for _ in range(_SEARCH_DAYS):
        if below and _urgency(calendar, obligation, day - timedelta(days=1), now) >= urgency:
            break
        if not below and _urgency(calendar, obligation, day, now) < urgency:
            break
        day += timedelta(days=-1 if below else 1)
    return calendar.end_of(day - timedelta(days=1))


def tally(
    items: Iterable[tuple[str, datetime]], calendar_of: Callable[[str], Calendar], now: datetime
) -> dict[str, Tally]:
    """Per state, its unanswered items (``(state that owes, due_at)``) by standing at ``now``."""
    found: Counter[tuple[str, str]] = Counter()
    for state, due in items:
        found[(state, standing(calendar_of(state), due, None, now))] += 1
    states = sorted({st for st, _ in found})
    return {
        st: Tally(sum(n for (s, _), n in found.items() if s == st), found[(st, "due_soon")], found[(st, "overdue")])
        for st in states
    }


def age_bucket(calendar: Calendar, opened: datetime, now: datetime) -> str:
    """The bucket of an item opened at ``opened``: working days since, by the state's calendar."""
    days = calendar.working_days_between(calendar.local_date(opened), calendar.local_date(now))
    return next((label for bound, label in _BOUNDS if days < bound), AGE_BUCKETS[-1])


def aging(
    items: Iterable[tuple[str, datetime]], calendar_of: Callable[[str], Calendar], now: datetime
) -> dict[tuple[str, str], int]:
    """Open items (``(state, opened)``) counted by (bucket, state): the cells of a table."""
    return dict(Counter((age_bucket(calendar_of(st), opened, now), st) for st, opened in items))


def missing(
    students: Mapping[tuple[str, str], Mapping[str, Any]],
    enrollments: Sequence[Mapping[str, Any]],
    required: Sequence[str],
) -> set[tuple[str, str]]:
    """(element, state) for each element that none of a state's student rows of the child carries
    (``required`` and ``qad``), and ``enrollment`` for a state that sent the child but no enrollment."""
    out: set[tuple[str, str]] = set()
    states = {st for st, _ in students}
    for st in states:
        rows = [fields for (s, _), fields in students.items() if s == st]
        out |= {(e, st) for e in (*required, "qad") if not any(row.get(e) not in (None, "") for row in rows)}
    enrolled = {e.get("state") for e in enrollments}
    return out | {("enrollment", st) for st in states - enrolled}


def last_day(calendar: Calendar, due: datetime) -> date:
    """The last day to act, in the state's own time: ``due`` is the midnight that ends it."""
    return (due.astimezone(ZoneInfo(calendar.timezone)) - timedelta(microseconds=1)).date()
