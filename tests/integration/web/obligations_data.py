"""A hand-computed child count (docs/obligations.md, "Counts"), published through the real pipeline.

Period 2025-2026. Category 1 by age/grade and state (each child once a state; "US" once nationally):

    grade 03: TX 12, CA 16 (one of them also Texas's T03-00: the same child), US 27
    grade 05: TX  3, CA 11, US 14
    Texas's totals 15, California's 27; national 41.

TX 05 (3) is under 10: suppressed, and so is what would give it away from the totals (15 for Texas,
14 for grade 05): the cheapest cycle through it, CA 05, CA 03 and TX 03. The totals stay published.
Category 2: four Californian children in a summer project (grade 05): every value of it is under 10.
Texas also sent a child without a qualifying arrival date and one whose eligibility expired: not
counted, and named with why in Texas's reconciliation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.submissions import enrollment_row, letters, student_row, submission

ELIGIBLE = {"qad": "2024-09-01", "eligibility_expiration_date": "2027-08-31"}
EXPECTED_1 = {"TX": {"03": None, "05": None, "KG": 0}, "CA": {"03": None, "05": None, "KG": 0}}
HIDDEN_1 = {("03", "TX"), ("05", "TX"), ("03", "CA"), ("05", "CA")}
TOTALS_1 = {"TX": 15, "CA": 27}
NATIONAL_1 = {"03": 27, "05": 14, "total": 41}


def _child(state: str, n: int, grade: str, **over: str) -> tuple[dict[str, str], dict[str, str]]:
    ssid = f"{state}{grade}-{n:02d}"
    # A name and a birth date of its own: no two children look alike to the matcher.
    first, last = letters(n + 10 * int(grade)) + state.capitalize(), letters(n * 7 + 3) + state.lower()
    shift = 6 if state == "CA" else 0
    birth = f"20{16 - int(grade):02d}-{((n + shift) % 12) + 1:02d}-{(n % 27) + 1:02d}"
    student = student_row(ssid, first=first, last1=last, last2="Soto", birth=birth, **(ELIGIBLE | over))
    enrollment = enrollment_row(ssid, f"E{ssid}", "2025-09-10", grade=grade)
    return student, enrollment


def texas(root: Path) -> Path:
    rows = [_child("TX", n, "03") for n in range(12)] + [_child("TX", n, "05") for n in range(3)]
    rows.append(_child("TX", 90, "03", qad=""))  # missing element
    rows.append(_child("TX", 91, "03", eligibility_expiration_date="2025-06-30"))  # expired
    return _submission(root, "tx-counts", "TX", rows)


def california(root: Path) -> Path:
    rows = [_child("CA", n, "03") for n in range(15)] + [_child("CA", n, "05") for n in range(11)]
    # Texas's first child, now in California (same facts: the hub links her to one child).
    tx_student, _ = _child("TX", 0, "03")
    shared = {**tx_student, "state_student_id": "CA-SHARED"}
    rows.append((shared, enrollment_row("CA-SHARED", "ECA-SHARED", "2026-01-12", grade="03")))
    folder = _submission(root, "ca-counts", "CA", rows)
    return folder


def california_summer(root: Path) -> Path:
    summer = [
        {**enrollment_row(f"CA05-{n:02d}", f"SUM-{n}", "2026-06-15", grade="05"), "enrollment_type": "03"}
        for n in range(4)
    ]
    return submission(root, "ca-summer", "CA", "2026-06-20T10:00:00Z", enrollments=summer)


def _submission(root: Path, name: str, state: str, rows: list[tuple[dict[str, str], dict[str, str]]]) -> Path:
    students: list[dict[str, Any]] = [s for s, _ in rows]
    enrollments: list[dict[str, Any]] = [e for _, e in rows]
    return submission(root, name, state, "2025-10-01T10:00:00Z", students=students, enrollments=enrollments)
