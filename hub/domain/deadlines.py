"""Working days, holidays and the time frames of what states owe each other (34 CFR 200.85). Pure:
calendars and obligations are values (read from ``hub/calendars/*.toml`` by ``hub.calendars``), and
every function takes the clock as an argument.

A working day is a weekday the state works that is not one of its holidays. The day something is
received (in the state's own time zone) never counts: a time frame of N working days ends when the
Nth working day after it ends, at local midnight. So a request received on a Saturday or a holiday is
due when one received on the working day before would be, plus nothing: both count from the next
working day.
"""

from __future__ import annotations

import calendar as cal
import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Unit = Literal["working_days", "calendar_days"]
Standing = Literal["open", "due_soon", "overdue", "answered"]


@dataclass(frozen=True)
class Holiday:
    """A day off every year: a fixed date (``month``, ``day``) or the ``nth`` ``weekday`` of a month
    (``nth = -1``: the last), moved ``offset`` days (the day after Thanksgiving is Thanksgiving + 1).
    ``observed``: a fixed date on a Saturday is taken on the Friday before, on a Sunday on the Monday
    after (5 U.S.C. 6103(b), which the states follow for their own holidays)."""

    name: str
    month: int
    day: int | None = None
    weekday: int | None = None
    nth: int | None = None
    offset: int = 0
    observed: bool = True

    def on(self, year: int) -> date:
        if self.day is not None:
            found = date(year, self.month, self.day)
            if self.observed and found.weekday() == 5:
                found -= timedelta(days=1)
            elif self.observed and found.weekday() == 6:
                found += timedelta(days=1)
        else:
            assert self.weekday is not None and self.nth is not None
            days = [d for d in cal.Calendar().itermonthdates(year, self.month) if d.month == self.month]
            found = [d for d in days if d.weekday() == self.weekday][self.nth if self.nth < 0 else self.nth - 1]
        return found + timedelta(days=self.offset)


@dataclass(frozen=True)
class Calendar:
    """One state's working days (``name`` is its USPS code, or ``federal`` for the default)."""

    name: str
    timezone: str
    weekdays: frozenset[int]  # 0 = Monday
    rules: tuple[Holiday, ...] = ()
    dates: frozenset[date] = frozenset()  # one-off closures (a storm, an inauguration)

    def holidays(self, year: int) -> dict[date, str]:
        return _holidays(self, year)

    def _compute_holidays(self, year: int) -> dict[date, str]:
        found = {rule.on(year): rule.name for rule in self.rules}
        # A Jan 1 on a Saturday is observed on Dec 31 of the year before.
        found |= {d: r.name for r in self.rules if r.day is not None and (d := r.on(year + 1)).year == year}
        return found | {d: "closure" for d in self.dates if d.year == year}

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``th working day after ``start`` (``start`` itself never counts)."""
        day, left = start, n
        while left > 0:
            day += timedelta(days=1)
            left -= self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def end_of(self, day: date) -> datetime:
        """The moment ``day`` ends in the state: local midnight starting the next day (aware)."""
        return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(self.timezone))


@functools.lru_cache(maxsize=512)
def _holidays(calendar: Calendar, year: int) -> dict[date, str]:
    """A year's holidays, worked out once per calendar and year (counting days asks for them often)."""
    return calendar._compute_holidays(year)


@dataclass(frozen=True)
class Obligation:
    """Something a state owes, within ``days`` (working or calendar) of ``starts``, by ``paragraph``."""

    kind: str
    days: int
    unit: Unit
    paragraph: str
    starts: str  # what starts the clock, in words
    duty: str  # what must be done, in words


def due_date(calendar: Calendar, obligation: Obligation, received: datetime) -> date:
    """The last day to meet ``obligation`` for something ``received`` then (an aware datetime)."""
    day = calendar.local_date(received)
    if obligation.unit == "calendar_days":
        return day + timedelta(days=obligation.days)
    return calendar.add_working_days(day, obligation.days)


def due_at(calendar: Calendar, obligation: Obligation, received: datetime) -> datetime:
    """The moment it becomes overdue: the end of ``due_date`` in the state's time zone."""
    return calendar.end_of(due_date(calendar, obligation, received))


def standing(calendar: Calendar, due: datetime, answered_at: datetime | None, now: datetime) -> Standing:
    """Answered; overdue once ``due`` has passed unanswered; due soon when the last working day (or
    the one before it) has come; else open."""
    if answered_at is not None:
        return "answered"
    if now >= due:
        return "overdue"
    last = due.astimezone(ZoneInfo(calendar.timezone)).date() - timedelta(days=1)
    return "due_soon" if calendar.working_days_between(calendar.local_date(now), last) <= 1 else "open"


# --- from the data files' parsed TOML -------------------------------------------------------------


def weekday(name: str) -> int:
    try:
        return WEEKDAYS.index(name.strip().lower()[:3])
    except ValueError:
        raise ValueError(f"{name!r} is not a day of the week") from None


def holiday(data: dict[str, Any]) -> Holiday:
    rule = Holiday(
        name=str(data["name"]),
        month=int(data["month"]),
        day=int(data["day"]) if "day" in data else None,
        weekday=weekday(str(data["weekday"])) if "weekday" in data else None,
        nth=int(data["nth"]) if "nth" in data else None,
        offset=int(data.get("offset", 0)),
        observed=bool(data.get("observed", "day" in data)),
    )
    if (rule.day is None) == (rule.weekday is None or rule.nth is None):
        raise ValueError(f"holiday {rule.name!r}: give either day, or weekday and nth")
    rule.on(2000)  # an impossible date (February 30, a fifth Monday that is not) fails here
    return rule


def calendar(data: dict[str, Any], base: Calendar | None = None) -> Calendar:
    """A calendar from its file; ``base`` (the federal one) gives what the file leaves out, and its
    holidays unless the file drops them by name (``drop``)."""
    dropped = {str(n) for n in data.get("drop", [])}
    inherited = tuple(r for r in (base.rules if base else ()) if r.name not in dropped)
    weekdays = data.get("working_days")
    return Calendar(
        name=str(data["state"]),
        timezone=str(data.get("timezone") or (base.timezone if base else "")),
        weekdays=frozenset(weekday(d) for d in weekdays) if weekdays else (base.weekdays if base else frozenset()),
        rules=inherited + tuple(holiday(h) for h in data.get("holiday", [])),
        dates=frozenset(date.fromisoformat(str(d)) for d in data.get("closures", [])),
    )


def obligation(kind: str, data: dict[str, Any]) -> Obligation:
    unit = str(data.get("unit", "working_days"))
    if unit not in ("working_days", "calendar_days") or int(data["days"]) < 1:
        raise ValueError(f"obligation {kind!r}: days must be at least 1, unit working_days or calendar_days")
    days, paragraph, starts, duty = int(data["days"]), str(data["paragraph"]), str(data["starts"]), str(data["duty"])
    return Obligation(kind, days, cast(Unit, unit), paragraph, starts, duty)
