"""What the dashboards say about deadlines (hub.domain.deadline_board) and what the record page's
form offers (hub.domain.asking), on the shipped calendars with the clock passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub import calendars
from hub.domain import asking, deadline_board, deadlines
from hub.domain.data_requests import KINDS
from hub.domain.deadline_board import Tally

TX = calendars.calendar_for("TX")
CA = calendars.calendar_for("CA")
REQUEST = calendars.obligation_for("TX", "records_request")


def noon(day: date, calendar: deadlines.Calendar = TX) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=deadlines.ZoneInfo(calendar.timezone))


def test_tally_counts_each_states_items_by_standing_with_the_same_rule_as_requests() -> None:
    due = deadlines.due_at(TX, REQUEST, noon(date(2026, 3, 9)))  # the end of Friday March 13, Texas time
    later = deadlines.due_at(TX, REQUEST, noon(date(2026, 3, 12)))  # the end of Wednesday March 18
    ca_due = deadlines.due_at(CA, calendars.obligation_for("CA", "records_request"), noon(date(2026, 3, 9), CA))
    items = [("TX", due), ("TX", later), ("TX", due), ("CA", ca_due)]
    found = deadline_board.tally(items, calendars.calendar_for, noon(date(2026, 3, 12)))
    # Thursday March 12: Texas's two due Friday are due soon; California's (3 days: Thursday) too.
    assert found == {"TX": Tally(3, 2, 0), "CA": Tally(1, 1, 0)}
    assert deadline_board.tally(items, calendars.calendar_for, due) == {"TX": Tally(3, 0, 2), "CA": Tally(1, 0, 1)}
    assert deadline_board.tally([], calendars.calendar_for, due) == {}


@pytest.mark.parametrize(
    ("opened", "now", "bucket"),
    [
        (date(2026, 3, 9), date(2026, 3, 9), "<2"),  # the same day
        (date(2026, 3, 9), date(2026, 3, 10), "<2"),  # one working day
        (date(2026, 3, 13), date(2026, 3, 16), "<2"),  # Friday to Monday: one working day
        (date(2026, 3, 9), date(2026, 3, 11), "2-5"),
        (date(2026, 3, 9), date(2026, 3, 13), "2-5"),  # four working days
        (date(2026, 3, 9), date(2026, 3, 16), "5-10"),  # five: the weekend does not count
        (date(2026, 3, 9), date(2026, 3, 20), "5-10"),  # nine
        (date(2026, 3, 9), date(2026, 3, 23), ">10"),  # ten
        (date(2026, 1, 5), date(2026, 3, 23), ">10"),
    ],
)
def test_age_buckets_count_the_states_working_days(opened: date, now: date, bucket: str) -> None:
    assert deadline_board.age_bucket(TX, noon(opened), noon(now)) == bucket


def test_a_holiday_does_not_age_an_item() -> None:
    # Thanksgiving week 2026: Texas closes Thursday 26 and Friday 27.
    assert deadline_board.age_bucket(TX, noon(date(2026, 11, 24)), noon(date(2026, 11, 30))) == "2-5"
    items = [("TX", noon(date(2026, 11, 24))), ("TX", noon(date(2026, 11, 30))), ("CA", noon(date(2026, 11, 1), CA))]
    assert deadline_board.aging(items, calendars.calendar_for, noon(date(2026, 11, 30))) == {
        ("2-5", "TX"): 1, ("<2", "TX"): 1, (">10", "CA"): 1}  # fmt: skip


def test_missing_elements_per_state_of_the_child() -> None:
    students: dict[tuple[str, str], dict[str, str | None]] = {
        ("TX", "T1"): {"first_name": "Ana", "qad": "2025-01-02", "sex": ""},
        ("TX", "T2"): {"first_name": "Ana", "sex": "F"},  # Texas's second id: its sex counts for Texas
        ("CA", "C1"): {"first_name": "", "qad": None, "sex": "F"},
    }
    enrollments = [{"state": "TX", "enrollment_id": "E1"}]
    found = deadline_board.missing(students, enrollments, ("first_name", "sex"))
    assert found == {("first_name", "CA"), ("qad", "CA"), ("enrollment", "CA")}


def test_the_last_day_is_the_states_own() -> None:
    due = deadlines.due_at(TX, REQUEST, noon(date(2026, 3, 9)))
    assert deadline_board.last_day(TX, due) == date(2026, 3, 13)
    assert deadline_board.last_day(CA, due) == date(2026, 3, 13)  # 22:00 on the 13th in California


def test_the_form_offers_the_childs_other_states_first_and_never_ones_own() -> None:
    record = {"state_ids": [{"state": "TX"}, {"state": "FL"}, {"state": "CA"}, {"state": "TX"}]}
    childs, rest = asking.states_to_ask(record, "FL", ("AL", "CA", "FL", "TX", "WY"))
    assert (childs, rest) == (["CA", "TX"], ["AL", "WY"])
    assert set(asking.KIND_LABELS) == set(KINDS)


# --- move notices: the two cut-offs a database counts by ---------------------------------------------

NOTICE = "change_of_residence"  # 10 working days after the notice arrives (federal.toml)


def midnight(day: date, calendar: deadlines.Calendar = TX) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=deadlines.ZoneInfo(calendar.timezone))


@pytest.mark.parametrize(
    ("state", "now", "due_soon", "overdue"),
    [
        # Monday March 23, 2026: a notice of Friday March 6 (or the weekend after) was due by the end of
        # Friday March 20, one of Monday 9 is due today and one of Tuesday 10 tomorrow (due soon); one
        # of Wednesday 11 is due Wednesday 25 (open).
        ("TX", date(2026, 3, 23), date(2026, 3, 11), date(2026, 3, 9)),
        ("CA", date(2026, 3, 23), date(2026, 3, 11), date(2026, 3, 9)),  # the same days, California's midnights
        # Monday November 30: Veterans Day (11th) and Texas's Thanksgiving Thursday and Friday do not
        # count. One of the 11th was due Wednesday 25; one of the 12th is due today; of Friday 13 to
        # Sunday 15, tomorrow; of Monday 16, Wednesday December 2 (open).
        ("TX", date(2026, 11, 30), date(2026, 11, 16), date(2026, 11, 12)),
        # Sunday March 22: the notices due Friday 20 are overdue as on Monday; due soon is only the one
        # due Monday (its last working day has not come, but the one before it has), not Tuesday's.
        ("TX", date(2026, 3, 22), date(2026, 3, 10), date(2026, 3, 9)),
    ],
)
def test_notice_cutoffs_split_arrivals_by_their_standing(state: str, now: date, due_soon: date, overdue: date) -> None:
    calendar = calendars.calendar_for(state)
    found = deadline_board.cutoffs(calendar, calendars.obligation_for(state, NOTICE), noon(now, calendar))
    assert found == deadline_board.Cutoffs(midnight(due_soon, calendar), midnight(overdue, calendar))


@pytest.mark.parametrize("state", ["TX", "CA", "NM"])  # NM: the federal calendar
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 23, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 4, 59, tzinfo=UTC),  # just before midnight in Texas, DST week
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC),  # a holiday weekend
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # New Year's Eve, the turn of a year
    ],
)
def test_a_notice_before_a_cutoff_has_the_standing_it_would_have_one_by_one(state: str, now: datetime) -> None:
    """The counting rule of the store agrees with ``standing`` for arrivals every 5 hours over 40 days."""
    calendar, owed = calendars.calendar_for(state), calendars.obligation_for(state, NOTICE)
    cut = deadline_board.cutoffs(calendar, owed, now)
    for hours in range(0, 40 * 24, 5):
        made = now - timedelta(hours=hours)
        expected = deadlines.standing(calendar, deadlines.due_at(calendar, owed, made), None, now)
        counted = "overdue" if made < cut.overdue else "due_soon" if made < cut.due_soon else "open"
        assert counted == expected, (state, now, made)
