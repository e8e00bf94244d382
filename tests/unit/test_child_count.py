"""The child count on a hand-computed fixture, its reconciliation, and small-cell suppression that
the published totals cannot undo."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from hub.domain import child_count as cc
from hub.domain.suppression import TOTAL, Cell, derivable, extended, suppress

P = cc.period("2025-2026")


def enr(state: str, ssid: str, start: str, grade: str = "03", kind: str = "01", end: str = "") -> dict[str, str]:
    row = {"state": state, "state_student_id": ssid, "enrollment_date": start, "grade_level": grade}
    return row | {"enrollment_type": kind, "withdrawal_date": end}


ELIGIBLE = {"qad": "2024-03-01", "eligibility_expiration_date": "2027-03-01"}
CHILDREN = [
    cc.Child("A", {("TX", "a"): ELIGIBLE}, [enr("TX", "a", "2025-09-10")], date(2016, 1, 1)),
    # Two states, both eligible (Texas by qad + 36 months); a summer programme in California.
    cc.Child(
        "B",
        {("TX", "b"): {"qad": "2023-01-01"}, ("CA", "b2"): {"qad": "2025-12-20"}},
        [
            enr("TX", "b", "2025-08-20", "05", end="2025-12-15"),
            enr("CA", "b2", "2026-01-10", "05"),
            enr("CA", "b2", "2026-06-15", "05", kind="03"),
        ],
        date(2014, 2, 2),
    ),
    cc.Child("C", {("TX", "c"): {"qad": ""}}, [enr("TX", "c", "2025-10-01")], None),
    cc.Child(
        "D",
        {("TX", "d"): {"qad": "2022-01-01", "eligibility_expiration_date": "2025-06-30"}},
        [enr("TX", "d", "2025-10-01")],
        None,
    ),
    # Texas sent this child twice (two ids); the hub merged them.
    cc.Child(
        "E",
        {("TX", "e1"): ELIGIBLE, ("TX", "e2"): ELIGIBLE},
        [enr("TX", "e1", "2025-09-02", "KG"), enr("TX", "e2", "2025-11-02", "KG")],
        date(2020, 5, 1),
    ),
    cc.Child("F", {("FL", "f"): ELIGIBLE}, [enr("FL", "f", "2025-09-02", "")], date(2023, 5, 1)),
    cc.Child("G", {("FL", "g"): ELIGIBLE}, [enr("FL", "g", "2025-09-02", "PK")], date(2021, 1, 1)),
    # Enrolled only before the period: not counted.
    cc.Child("H", {("FL", "h"): ELIGIBLE}, [enr("FL", "h", "2024-09-02", end="2025-06-01")], None),
]


def test_period_runs_september_to_august_and_refuses_other_text() -> None:
    assert (P.start, P.end) == (date(2025, 9, 1), date(2026, 8, 31))
    for bad in ("2025", "2025-2027", "2026-2025", "20a5-2026"):
        with pytest.raises(ValueError):
            cc.period(bad)


def test_counts_match_the_hand_computed_fixture() -> None:
    places = [c for child in CHILDREN for c in cc.counted(child, P)]
    assert cc.tally(places, 1) == {
        ("03", "TX"): 1,
        ("03", "US"): 1,  # A
        ("05", "TX"): 1,
        ("05", "CA"): 1,
        ("05", "US"): 1,  # B: once nationally
        ("KG", "TX"): 1,
        ("KG", "US"): 1,  # E: once in Texas
        ("age 0-2", "FL"): 1,
        ("age 0-2", "US"): 1,
        ("age 3-5", "FL"): 1,
        ("age 3-5", "US"): 1,
    }
    assert cc.tally(places, 2) == {("05", "CA"): 1, ("05", "US"): 1}


def test_reconciliation_says_why_texas_and_the_hub_differ() -> None:
    found = {(d.msix_id, d.state_student_id): d.reason for ch in CHILDREN for d in cc.reconcile(ch, "TX", P)}
    assert found == {
        ("C", "c"): "missing element: qad",
        ("D", "d"): "eligibility expired",
        ("E", "e2"): "duplicate resolved by merge",
    }


def test_small_cells_suppressed_with_a_complement_in_their_row_and_column() -> None:
    cells = {("r1", "TX"): 5, ("r1", "CA"): 20, ("r1", "FL"): 30, ("r2", "TX"): 40, ("r2", "CA"): 11, ("r2", "FL"): 50}
    table = suppress(["r1", "r2"], ["TX", "CA", "FL"], cells, 10)
    hidden = {k for k, v in table.values.items() if v is None}
    assert ("r1", "TX") in hidden
    # Its row needs a second hidden cell (CA's 20, the smallest), and so does its column (TX's 40)...
    assert {("r1", "CA"), ("r2", "TX")} <= hidden
    # ... and the rectangle closes on CA's 11: nothing else is hidden.
    assert hidden == {("r1", "TX"), ("r1", "CA"), ("r2", "TX"), ("r2", "CA")}
    assert table.cell(TOTAL, TOTAL) == 156 and table.cell("r1", TOTAL) == 55


def _determined(table: dict[Cell, int], hidden: set[Cell]) -> set[Cell]:
    """Independent of the code under test: linear algebra. Each line of the table with its totals
    sums to zero; a hidden value is determined iff its unit vector lies in the row space of the
    constraints restricted to the hidden values."""
    rows = sorted({r for r, _ in table})
    cols = sorted({c for _, c in table})
    unknown = sorted(hidden)
    index = {k: i for i, k in enumerate(unknown)}

    def line(keys: list[Cell], total: Cell) -> list[float]:
        v = [0.0] * len(unknown)
        for k in keys:
            if k in index:
                v[index[k]] += 1
        if total in index:
            v[index[total]] -= 1
        return v

    a = [line([(r, c) for c in cols if c != TOTAL], (r, TOTAL)) for r in rows]
    a += [line([(r, c) for r in rows if r != TOTAL], (TOTAL, c)) for c in cols]
    m = np.array(a) if a else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(m)
    found = set()
    for k, i in index.items():
        e = np.zeros(len(unknown))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([m, e])) == rank:
            found.add(k)
    return found


@pytest.mark.parametrize("seed", range(25))
def test_no_suppressed_value_is_derivable_from_the_published_ones(seed: int) -> None:
    rnd = random.Random(seed)
    rows = [f"g{i}" for i in range(rnd.randint(1, 6))]
    cols = [f"S{i}" for i in range(rnd.randint(1, 6))]
    cells = {(r, c): rnd.choice([0, 0, 1, 3, 7, 9, 12, 25, 40, 100]) for r in rows for c in cols}
    table = suppress(rows, cols, cells, 10)
    hidden = {k for k, v in table.values.items() if v is None}
    full = extended(rows, cols, cells)
    assert all(v is None or v == 0 or v >= 10 for v in table.values.values())
    assert _determined(full, hidden) == set(), (cells, hidden)
    assert derivable(hidden) == set()


def test_the_check_itself_can_fail() -> None:
    """One hidden cell in a row whose total is published: determined, and both checks say so."""
    full = extended(["r1", "r2"], ["TX", "CA"], {("r1", "TX"): 5, ("r1", "CA"): 20, ("r2", "TX"): 30, ("r2", "CA"): 30})
    assert _determined(full, {("r1", "TX")}) == {("r1", "TX")}
    assert derivable({("r1", "TX")}) == {("r1", "TX")}
