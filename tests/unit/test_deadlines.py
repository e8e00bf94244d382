"""Working days and due dates (hub.domain.deadlines) on the shipped calendars (hub/calendars): across
weekends, holidays observed on another day, time zones, and the states' differences. The clock is
always an argument."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub import calendars
from hub.domain import deadlines
from hub.errors import HubError

FEDERAL = calendars.calendar_for("federal")
TX = calendars.calendar_for("TX")
CA = calendars.calendar_for("CA")
REQUEST = calendars.obligation_for("TX", "records_request")


def noon(day: date, calendar: deadlines.Calendar = TX) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=deadlines.ZoneInfo(calendar.timezone))


@pytest.mark.parametrize(
    ("calendar", "received", "due"),
    [
        # Thursday before Independence Day 2026 (a Saturday, observed Friday July 3), then a weekend.
        (FEDERAL, date(2026, 7, 2), date(2026, 7, 9)),
        # Received on a Saturday or a Sunday: counted from Monday, like a Friday's.
        (FEDERAL, date(2026, 3, 6), date(2026, 3, 12)),
        (FEDERAL, date(2026, 3, 7), date(2026, 3, 12)),
        (FEDERAL, date(2026, 3, 8), date(2026, 3, 12)),
        # Columbus Day (Monday October 12, 2026): a federal holiday, a working day in Texas.
        (FEDERAL, date(2026, 10, 9), date(2026, 10, 16)),
        (TX, date(2026, 10, 9), date(2026, 10, 15)),
        # Thanksgiving 2026: Texas also closes the Friday after.
        (FEDERAL, date(2026, 11, 25), date(2026, 12, 2)),
        (TX, date(2026, 11, 25), date(2026, 12, 3)),
        # Texas closes December 24 to 26; Christmas Eve and Day are a Thursday and Friday in 2026.
        (TX, date(2026, 12, 23), date(2026, 12, 31)),
        (FEDERAL, date(2026, 12, 23), date(2026, 12, 30)),
        # Juneteenth 2026 (a Friday): federal, not in Texas (a skeleton-crew day there).
        (FEDERAL, date(2026, 6, 18), date(2026, 6, 25)),
        (TX, date(2026, 6, 18), date(2026, 6, 24)),
        # Cesar Chavez Day (Tuesday March 31, 2026), California's alone.
        (CA, date(2026, 3, 30), date(2026, 4, 6)),
        (TX, date(2026, 3, 30), date(2026, 4, 3)),
    ],
)
def test_four_working_days(calendar: deadlines.Calendar, received: date, due: date) -> None:
    assert deadlines.due_date(calendar, REQUEST, noon(received, calendar)) == due


def test_a_holiday_on_a_weekend_is_observed_on_the_nearest_weekday_even_across_new_year() -> None:
    assert FEDERAL.holidays(2026)[date(2026, 7, 3)] == "Independence Day"  # July 4 is a Saturday
    assert FEDERAL.holidays(2021)[date(2021, 12, 31)] == "New Year's Day"  # January 1, 2022 a Saturday
    assert FEDERAL.holidays(2023)[date(2023, 1, 2)] == "New Year's Day"  # January 1, 2023 a Sunday
    assert not FEDERAL.is_working_day(date(2021, 12, 31))
    # Texas does not move its own: December 26, 2026 is a Saturday and stays one.
    assert date(2026, 12, 28) not in TX.holidays(2026) and TX.is_working_day(date(2026, 12, 28))


def test_nth_weekday_rules() -> None:
    h = FEDERAL.holidays(2027)
    assert h[date(2027, 5, 31)] == "Memorial Day"  # the last Monday of May
    assert h[date(2027, 1, 18)] == "Birthday of Martin Luther King, Jr."
    assert h[date(2027, 11, 25)] == "Thanksgiving Day"
    assert TX.holidays(2024)[date(2024, 11, 29)] == "Day after Thanksgiving"  # Nov 1, 2024 a Friday


def test_the_day_is_the_states_own_and_the_deadline_ends_at_its_midnight() -> None:
    # 23:30 on Monday March 9 in Texas is already Tuesday in UTC: the clock starts from Monday.
    received = datetime(2026, 3, 10, 4, 30, tzinfo=UTC)
    due = deadlines.due_at(TX, REQUEST, received)
    assert due == datetime(2026, 3, 14, 5, 0, tzinfo=UTC)  # the end of Friday March 13, CDT
    # The same moment in California is still Monday evening; in New York it is Tuesday.
    assert deadlines.due_date(FEDERAL, REQUEST, received) == date(2026, 3, 16)


def test_calendar_days_count_weekends_and_holidays() -> None:
    term = calendars.obligation_for("TX", "term_update")
    assert term.unit == "calendar_days" and term.days == 30
    assert deadlines.due_date(TX, term, noon(date(2026, 12, 18))) == date(2027, 1, 17)


def test_standing_with_an_injected_clock() -> None:
    due = deadlines.due_at(TX, REQUEST, noon(date(2026, 3, 9)))  # due the end of Friday March 13
    assert deadlines.standing(TX, due, None, noon(date(2026, 3, 10))) == "open"
    assert deadlines.standing(TX, due, None, noon(date(2026, 3, 12))) == "due_soon"
    assert deadlines.standing(TX, due, None, due - timedelta(microseconds=1)) == "due_soon"
    assert deadlines.standing(TX, due, None, due) == "overdue"
    assert deadlines.standing(TX, due, noon(date(2026, 3, 20)), due + timedelta(days=9)) == "answered"


def test_every_obligation_names_its_paragraph_and_states_may_only_shorten() -> None:
    kinds = calendars.obligations_for("federal")
    assert set(kinds) == {"coe_submission", "term_update", "records_request", "change_of_residence",
                          "parent_correction"}  # fmt: skip
    assert all(o.paragraph.startswith("34 CFR 200.85(") and o.days >= 1 for o in kinds.values())
    assert calendars.obligation_for("CA", "records_request").days == 3
    assert calendars.obligation_for("TX", "records_request").days == 4
    assert calendars.obligation_for("WY", "records_request").days == 4  # no file: the federal default
    assert calendars.calendar_for("WY") == FEDERAL
    with pytest.raises(HubError, match="days must be 1 to the federal"):
        calendars._shortened("CA", kinds, "records_request", {"days": 5})


@pytest.mark.parametrize(
    "rule",
    [
        {"name": "x", "month": 2, "day": 30},
        {"name": "x", "month": 2},
        {"name": "x", "month": 2, "weekday": "funday", "nth": 1},
        {"name": "x", "month": 2, "weekday": "mon", "nth": 5},
    ],
)
def test_a_holiday_that_cannot_be_is_refused(rule: dict[str, object]) -> None:
    with pytest.raises((ValueError, IndexError)):
        deadlines.holiday(rule)
