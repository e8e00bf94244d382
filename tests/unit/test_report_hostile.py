"""Every text a state sends is shown in the parent's report as it is: a value written as
ReportLab markup (a link, an image from a local file) is text, never a link or a file read."""

from __future__ import annotations

import io
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from hub.report.pdf import render


def png(path: Path) -> Path:
    """A valid 1x1 PNG: were the report to follow an ``<img src>``, this image would be embedded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )
    return path


def hostile(tag: str, image: Path) -> str:
    """Markup in a value: a link, an image read from a local file, an entity, a font change."""
    return f'<a href="https://evil.example/{tag}">{tag}</a><img src="{image}" width="9" height="9"/>&amp;<b>x</b>'


STUDENT = ["first_name", "middle_name", "last_name_1", "last_name_2", "suffix", "birth_city", "birth_state",
           "birth_country", "parent1_first_name", "parent1_last_name", "parent2_first_name", "parent2_last_name",
           "birth_date", "qad", "eligibility_expiration_date"]  # fmt: skip
ENROLLMENT = ["state", "school_name", "facility_city", "grade_level", "enrollment_date", "withdrawal_date"]
COURSE = ["state", "school_year", "course_title", "subject_area", "term_type", "final_grade", "credits_granted"]
ASSESSMENT = ["state", "title", "administration_date", "score", "interpretation"]


def record(image: Path) -> dict[str, Any]:
    def fields(prefix: str, names: list[str]) -> dict[str, str]:
        return {name: hostile(f"{prefix}.{name}", image) for name in names}

    return {
        "msix_id": "100000000018",
        "student": fields("s", STUDENT) | {"sex": hostile("s.sex", image)},
        "state_ids": [{"state": hostile("i.state", image), "state_student_id": hostile("i.id", image)}],
        "enrollments": [fields("e", ENROLLMENT) | {"immunization_record": "Y", "medical_alert": "A"}],
        "courses": [fields("c", COURSE) | {"in_progress": "N"}],
        "assessments": [fields("a", ASSESSMENT)],
        "moves": [],
    }


TAGS = (
    [f"s.{n}" for n in STUDENT] + ["i.state", "i.id"] + [f"e.{n}" for n in ENROLLMENT]
    + [f"c.{n}" for n in COURSE] + [f"a.{n}" for n in ASSESSMENT]
)  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_markup_in_any_value_is_shown_as_text(tmp_path: Path, lang: str) -> None:
    image = png(tmp_path / "secret.png")
    pdf = PdfReader(io.BytesIO(render(record(image), None, lang, date(2026, 11, 30))))
    for page in pdf.pages:
        annotations = [a.get_object() for a in page.get("/Annots", [])]
        assert not [a for a in annotations if a.get("/Subtype") == "/Link"]  # no live link
        assert "/XObject" not in page["/Resources"]  # no image read from the disk
    text = "".join("".join(p.extract_text().split()) for p in pdf.pages)
    assert "evil.example" in text and "&amp;" in text and "<b>x</b>" in text
    missing = [tag for tag in TAGS if f'<ahref="https://evil.example/{tag}">' not in text]
    assert missing == [], "shown as something other than its text"


def test_a_value_that_is_no_date_or_number_is_shown_not_a_failure(tmp_path: Path) -> None:
    rec = {
        "msix_id": "100000000018",
        "student": {"first_name": "Ana\x00\x1b[31m", "birth_date": "not a date"},
        "state_ids": [],
        "enrollments": [],
        "courses": [{"state": "TX", "school_year": "2024-2025", "credits_granted": "one"}],
        "assessments": [],
        "moves": [],
    }
    pdf = PdfReader(io.BytesIO(render(rec, None, "en", date(2026, 11, 30))))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "not a date" in text and "one" in text and "Ana??[31m" in text
