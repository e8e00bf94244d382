"""The data admins' rules: validation by another person, merges, splits, escalation; and EM fitting."""

from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import UserInputError
from hub.identity import admin
from hub.identity.fit import fit
from hub.identity.model import FIELDS

A, B, C = "100000000016", "100000000024", "100000000032"


def test_validation_needs_another_person_and_a_pending_request():
    request = admin.Request(7, "merge", "alice", admin.PENDING)
    admin.check_validation(request, "bob")
    with pytest.raises(UserInputError, match="another data admin"):
        admin.check_validation(request, "alice")
    with pytest.raises(UserInputError, match="done"):
        admin.check_validation(admin.Request(7, "merge", "alice", admin.DONE), "bob")


@pytest.mark.parametrize(
    ("master", "others", "expect"),
    [
        (A, [B], [B]),
        (A, [B, B, A, C], [B, C]),
        (A, [A], UserInputError),
        (A, ["12345"], UserInputError),
        ("100000000017", [B], UserInputError),  # bad check digit
    ],
)
def test_check_merge(master, others, expect):
    if expect is UserInputError:
        with pytest.raises(UserInputError):
            admin.check_merge(master, others)
    else:
        assert admin.check_merge(master, others) == expect


@pytest.mark.parametrize(
    ("state", "states", "ok"),
    [("FL", ["TX", "FL"], True), ("FL", ["FL"], False), ("CA", ["TX", "FL"], False), ("FL", ["FL", "FL"], False)],
)
def test_check_split(state, states, ok):
    if ok:
        admin.check_split(A, state, states)
    else:
        with pytest.raises(UserInputError):
            admin.check_split(A, state, states)


def test_escalation_once_after_the_configured_time():
    created = datetime(2026, 1, 1, tzinfo=UTC)
    after = timedelta(hours=72)
    assert not admin.escalation_due(created, None, created + timedelta(hours=71), after)
    assert admin.escalation_due(created, None, created + timedelta(hours=72), after)
    assert not admin.escalation_due(created, created + after, created + timedelta(hours=100), after)


def test_actor_is_required_and_event_ids_are_deterministic():
    with pytest.raises(UserInputError):
        admin.actor("  ")
    assert admin.actor(" alice ") == "alice"
    assert admin.event_id("merged", 3, B) == admin.event_id("merged", 3, B) != admin.event_id("merged", 4, B)


def test_fit_learns_that_agreement_marks_matches():
    missing = ("missing",) * 4
    match = ("exact", "both", "exact", "agree", *missing[:3])
    other = ("disagree", "one", "disagree", "agree", *missing[:3])
    pairs = [match] * 300 + [other] * 700
    randoms = [other] * 990 + [match] * 10
    fields = fit(pairs, randoms)
    first, birth = fields[0], fields[2]
    assert first.weight("exact") > 3 and first.weight("disagree") < -3
    assert birth.weight("exact") > 3
    assert [f.name for f in fields] == [f.name for f in FIELDS]


def test_refusals_are_typed_for_the_api_not_now_versus_bad_input():
    # The API answers admin.Conflict with 409 and any other UserInputError with 422.
    with pytest.raises(admin.Conflict):
        admin.check_validation(admin.Request(7, "merge", "alice", admin.PENDING), "alice")
    with pytest.raises(admin.Conflict):
        admin.check_item_open(3, admin.REJECTED)
    with pytest.raises(UserInputError) as bad:
        admin.check_merge(A, ["12345"])
    assert not isinstance(bad.value, admin.Conflict | admin.NotFound)
