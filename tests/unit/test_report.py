"""The parent's report: both languages from one layout, every message translated."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from hub import requirements
from hub.api.service import credits
from hub.domain.record_view import SUBJECTS
from hub.report.i18n import Texts
from hub.report.pdf import render

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "hub" / "report"
PO = ROOT / "hub" / "locale" / "es" / "LC_MESSAGES" / "messages.po"

RECORD = {
    "msix_id": "100000000018",
    "student": {"first_name": "Ana", "last_name_1": "García", "birth_date": "2007-03-02", "sex": "F"},
    "state_ids": [{"state": "TX", "state_student_id": "TX-1"}],
    "enrollments": [{"state": "TX", "school_name": "Weslaco High School", "enrollment_date": "2025-08-20", "lep": "Y"}],
    "courses": [
        {
            "state": "TX",
            "school_year": "2024-2025",
            "term_type": "FY",
            "course_title": "Algebra I",
            "subject_area": "02",
            "credits_granted": 1.0,
            "final_grade": "B",
            "in_progress": "N",
        },
    ],
    "assessments": [],
    "moves": [],
}


def _extracted(out: Path) -> set[str]:
    """The messages of hub/report as pybabel extracts them."""
    pot = out / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "-o", str(pot), str(REPORT)],
        capture_output=True,
        check=True,
    )
    with pot.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_every_message_the_report_can_show_has_a_spanish_translation(tmp_path: Path) -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="es")
    translated = {m.id for m in catalog if m.id and m.string}
    areas = {a.name for st in requirements.available() for a in requirements.for_state(st).areas}
    extracted = _extracted(tmp_path)
    assert "How to ask for a correction" in extracted and len(extracted) > 50
    wanted = extracted | set(SUBJECTS.values()) | areas
    assert not wanted - translated


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Consolidated Student Record Report", "March 2, 2007", "English learner", "How to ask for a"]),
        ("es", ["Informe del Expediente", "2 de marzo de 2007", "Aprendiz de inglés", "Matemáticas", "Cómo pedir"]),
    ],
)  # fmt: skip
def test_one_layout_two_languages(lang: str, expected: list[str]) -> None:
    pdf = render(RECORD, credits(RECORD, "TX"), lang, date(2026, 11, 30))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for phrase in expected:
        assert phrase in text
    assert "Weslaco High School" in text and "100000000018" in text


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no catalog"):
        Texts("fr")
