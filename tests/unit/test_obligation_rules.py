"""Account governance and correction routing as rules (pure, the clock passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain import accounts, corrections
from hub.domain.accounts import AccountSettings, Standing

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
RULES = AccountSettings(inactive_days=90, recertify_days=365, retention_days=2190)


def account(status: str = "active", seen: int | None = 10, certified: int = 10, gone: int | None = None) -> Standing:
    ago = lambda days: NOW - timedelta(days=days)  # noqa: E731
    return Standing("rosa", status, ago(seen) if seen is not None else None, ago(400), ago(certified),
                    ago(gone) if gone is not None else None)  # fmt: skip


@pytest.mark.parametrize(
    ("standing", "reason"),
    [
        (account(), None),
        (account(seen=89), None),
        (account(seen=90), "unused for 90 days"),
        (account(seen=None), "unused for 90 days"),  # never signed in since it was made, 400 days ago
        (account(certified=364), None),
        (account(certified=365), "re-certification overdue"),
        (account(status="disabled", seen=500), None),  # only an active account is disabled
    ],
)
def test_when_an_active_account_is_disabled(standing: Standing, reason: str | None) -> None:
    assert accounts.disable_reason(standing, RULES, NOW) == reason


def test_a_deactivated_record_is_kept_the_whole_retention() -> None:
    assert not accounts.may_purge(account("deactivated", gone=2189), RULES, NOW)
    assert accounts.may_purge(account("deactivated", gone=2190), RULES, NOW)
    assert not accounts.may_purge(account("disabled", gone=5000), RULES, NOW)


def test_approval_needs_two_other_people() -> None:
    assert accounts.check_two_people("rosa", None, "ursula") is not None  # not verified yet
    assert accounts.check_two_people("rosa", "victor", "victor") is not None
    assert accounts.check_two_people("rosa", "victor", "rosa") is not None
    assert accounts.check_two_people("rosa", "victor", "ursula") is None


RECORD = {
    "msix_id": "100000000000",
    "student": {"state": "FL", "first_name": "Ana"},
    "state_ids": [{"state": "FL"}, {"state": "TX"}, {"state": "CA"}],
    "enrollments": [{"state": "TX", "enrollment_id": "E1"}, {"state": "CA", "enrollment_id": "E1"}],
    "courses": [{"state": "CA", "course_id": "C9"}],
    "assessments": [],
}


def test_each_item_goes_to_the_state_that_sent_it() -> None:
    parts = corrections.route(RECORD, [
        {"section": "student", "field": "birth_date"},
        {"section": "enrollments", "id": "E1", "state": "TX"},
        {"section": "courses", "id": "C9"},
    ])  # fmt: skip
    assert [(p.state, len(p.items)) for p in parts] == [("CA", 1), ("FL", 1), ("TX", 1)]


@pytest.mark.parametrize(
    "item",
    [
        {"section": "grades", "id": "x"},
        {"section": "courses", "id": "nope"},
        {"section": "student"},
        {"section": "student", "field": "sex", "state": "WA"},
    ],
)
def test_an_item_not_in_the_record_is_refused(item: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        corrections.route(RECORD, [item])


def test_a_kept_record_needs_its_reason() -> None:
    with pytest.raises(ValueError):
        corrections.check_decision("kept", " ")
    corrections.check_decision("kept", "attendance record shows it")
    with pytest.raises(ValueError):
        corrections.check_decision("ignored", None)
