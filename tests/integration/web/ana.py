"""Ana's story (issue 4), as three states report it: she is 19, enrolling in her third school this
year (Texas, then California, now Florida). Texas taught her 9th and 10th grade, California 11th,
Florida reports this year's courses in progress and a copy of a California course she brought.

Against Florida's 24 credits she has 17 earned and 7 in progress: she graduates if she passes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.submissions import enrollment_row, student_row, submission

ANA = {"first": "Ana", "last1": "García", "last2": "Hernández", "birth": "2007-03-02", "sex": "F"}
EARNED = 17.0
IN_PROGRESS = 7.0


def course(
    ssid: str, cid: str, year: str, title: str, subject: str, grade: str = "B", credits: str = "1.0", **over: str
) -> dict[str, str]:
    row = {
        "action": "I",
        "state_student_id": ssid,
        "course_id": cid,
        "school_year": year,
        "term_type": "FY",
        "course_title": title,
        "subject_area": subject,
        "course_type": "REG",
        "credits_attempted": "1.0",
        "credits_granted": credits,
        "final_grade": grade,
        "in_progress": "N",
    }
    row.update(over)
    return row


def in_progress(ssid: str, cid: str, title: str, subject: str) -> dict[str, str]:
    return course(ssid, cid, "2026-2027", title, subject, grade="", credits="", in_progress="Y", grade_to_date="B")


def texas(root: Path) -> Path:
    s = "TX-5550123"
    courses = [
        course(s, "T9-1", "2023-2024", "English I", "01"),
        course(s, "T9-2", "2023-2024", "Algebra I", "02", "A"),
        course(s, "T9-3", "2023-2024", "Biology", "03"),
        course(s, "T9-4", "2023-2024", "World Geography", "04"),
        course(s, "T9-5", "2023-2024", "Physical Education I", "08", "A"),
        course(s, "T9-6", "2023-2024", "Spanish for Spanish Speakers I", "24", "A"),
        course(s, "T10-1", "2024-2025", "English II", "01", "C"),
        course(s, "T10-2", "2024-2025", "Geometry", "02"),
        course(s, "T10-3", "2024-2025", "Chemistry", "03", "C"),
        course(s, "T10-4", "2024-2025", "World History", "04"),
        course(s, "T10-5", "2024-2025", "Art I", "05", "A"),
    ]
    enrollments = [
        {**enrollment_row(s, "TX-E1", "2026-08-17", "2026-09-18", city="Weslaco", grade="12"),
         "immunization_record": "Y", "lep": "Y"},
    ]  # fmt: skip
    assessments = [
        {"action": "I", "state_student_id": s, "assessment_id": "EOC-ALG1", "title": "STAAR Algebra I EOC",
         "content": "MATH", "type": "03", "administration_date": "2024-05", "score": "4012",
         "interpretation": "Meets Grade Level"},
    ]  # fmt: skip
    student = student_row(s, ANA["first"], ANA["last1"], ANA["last2"], ANA["birth"], ANA["sex"])
    student.update(parent1_first_name="Rosa", parent1_last_name="Hernández", birth_country="MX")
    return submission(root, "tx", "TX", "2026-09-20T10:00:00Z", students=[student], enrollments=enrollments,
                      courses=courses, assessments=assessments)  # fmt: skip


def california(root: Path) -> Path:
    s = "CA-88120"
    courses = [
        course(s, "C11-1", "2025-2026", "English III", "01"),
        course(s, "C11-2", "2025-2026", "Algebra II", "02", "C"),
        course(s, "C11-3", "2025-2026", "Physics", "03"),
        course(s, "C11-4", "2025-2026", "U.S. History", "04", "A"),
        course(s, "C11-5", "2025-2026", "Automotive Technology I", "20", "A"),
        course(s, "C11-7", "2025-2026", "Health Education", "08"),
        course(s, "C11-6", "2025-2026", "AP Spanish Language and Culture", "24", "F", credits="0.0"),
    ]
    enrollments = [
        {**enrollment_row(s, "CA-E7", "2026-09-28", "2026-10-30", city="Salinas", grade="12"), "medical_alert": "C"},
    ]
    student = student_row(s, "Ana", "Garcia", "Hernandez", ANA["birth"], ANA["sex"])  # CA drops the accents
    student.update(move_to_state="FL", move_to_city="Immokalee")
    return submission(root, "ca", "CA", "2026-11-02T10:00:00Z", students=[student], enrollments=enrollments,
                      courses=courses)  # fmt: skip


def florida(root: Path) -> Path:
    s = "FL-0412"
    courses = [
        in_progress(s, "F12-1", "English IV", "01"),
        in_progress(s, "F12-2", "Precalculus", "02"),
        in_progress(s, "F12-3", "U.S. Government", "04"),
        in_progress(s, "F12-4", "Economics", "04"),
        in_progress(s, "F12-5", "Environmental Science", "03"),
        in_progress(s, "F12-6", "Health Science Theory", "14"),
        in_progress(s, "F12-7", "Physical Education II", "08"),
        # The transcript Ana brought from California, recorded again by Florida: counted once.
        course(s, "TR-CA-04101", "2025-2026", "U.S. History", "04", "A"),
    ]
    enrollments = [
        {**enrollment_row(s, "FL-E3", "2026-11-09", city="Immokalee", grade="12"), "pfs": "Y", "lep": "Y"},
    ]
    student = student_row(s, ANA["first"], ANA["last1"], ANA["last2"], ANA["birth"], ANA["sex"])
    return submission(root, "fl", "FL", "2026-11-16T10:00:00Z", students=[student], enrollments=enrollments,
                      courses=courses)  # fmt: skip


def others(root: Path) -> Path:
    """Other children, so a search has something to rank below Ana."""
    people: list[dict[str, Any]] = [
        student_row("TX-1", "Ana", "Garza", "Ruiz", "2009-01-05", "F"),
        student_row("TX-2", "Anabel", "García", "Soto", "2008-06-11", "F"),
        student_row("TX-3", "Juan", "Hernández", "García", "2007-03-02", "M"),
        student_row("TX-4", "María", "López", "Díaz", "2010-10-10", "F"),
    ]
    return submission(root, "tx-others", "TX", "2026-09-21T10:00:00Z", students=people)
