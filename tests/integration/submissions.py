"""Hand-made MDE submissions for the pipeline tests: small, readable, each row there for a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.mde.writer import write_submission


def student_row(
    ssid: str,
    first: str = "José",
    last1: str = "Ramírez",
    last2: str = "López",
    birth: str = "2009-03-14",
    sex: str = "M",
    action: str = "I",
    **over: str,
) -> dict[str, str]:
    row = {
        "action": action,
        "state_student_id": ssid,
        "first_name": first,
        "last_name_1": last1,
        "last_name_2": last2,
        "sex": sex,
        "birth_date": birth,
        "multiple_birth": "N",
        "move_to_state": "",
        "move_to_city": "",
        "qad": "",
    }
    row.update(over)
    return row


def enrollment_row(
    ssid: str,
    eid: str,
    start: str,
    end: str = "",
    city: str = "Weslaco",
    action: str = "I",
    grade: str = "10",
) -> dict[str, str]:
    return {
        "action": action,
        "state_student_id": ssid,
        "enrollment_id": eid,
        "enrollment_date": start,
        "withdrawal_date": end,
        "enrollment_type": "01",
        "school_name": f"{city} High School",
        "facility_city": city,
        "grade_level": grade,
    }


def course_row(
    ssid: str,
    cid: str,
    title: str = "Algebra I",
    subject: str = "02",
    credits: str = "1.0",
    grade: str = "B",
    action: str = "I",
) -> dict[str, str]:
    return {
        "action": action,
        "state_student_id": ssid,
        "course_id": cid,
        "school_year": "2025-2026",
        "term_type": "FY",
        "course_title": title,
        "subject_area": subject,
        "course_type": "REG",
        "credits_attempted": credits,
        "credits_granted": credits,
        "final_grade": grade,
        "in_progress": "N",
    }


def letters(n: int) -> str:
    """A distinct name part for every number (names carry no digits)."""
    return "".join("ABCDEFGHIJ"[int(d)] for d in str(n)).capitalize()


def submission(root: Path, name: str, state: str, submitted_at: str, **files: list[dict[str, Any]]) -> Path:
    folder = root / name
    write_submission(folder, state, submitted_at, "test SIS", {f"{k}.csv": v for k, v in files.items()})
    return folder
