"""The writer and the reader against each other on a synthetic world: the files are valid Ed-Fi,
both namespace versions read the same, what Ed-Fi carries comes back, memory stays flat."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.edfi.reader import open_submission
from connectors.edfi.writer import NAMESPACE_6
from connectors.edfi.xmlfile import TOP_LEVEL, Top, XmlFile
from hub.synthetic import DEFAULT_STATES, build_world
from hub.synthetic.edfi import snapshots, write_edfi
from hub.synthetic.rows import submissions
from tests.unit.edfi_helpers import accepted, read, rejected, xsd_errors

AT = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    return build_world(seed=11, children=120, states=DEFAULT_STATES, school_year_start=2025)


@pytest.fixture(scope="module")
def written(world, tmp_path_factory) -> dict[str, Path]:
    return write_edfi(world, tmp_path_factory.mktemp("edfi5"))


def test_written_files_are_valid_ed_fi(written: dict[str, Path]) -> None:
    checked = 0
    for folder in written.values():
        for path in folder.iterdir():
            if path.name != "Interchange-AssessmentMetadata.xml":  # no XSD of it in the fixtures
                assert xsd_errors(path) == [], path
                checked += 1
    assert checked >= 5 * len(written)


def test_what_ed_fi_carries_comes_back(world, written: dict[str, Path]) -> None:
    expected = snapshots(submissions(world, 0.0))
    for state, folder in written.items():
        items = read(folder, state, AT)
        assert rejected(items) == []
        rows = expected[state]
        students = {r["state_student_id"]: r for r in accepted(items, "StudentIdentity")}
        assert set(students) == {r["state_student_id"] for r in rows["students.csv"]}
        for row in rows["students.csv"]:
            got = students[row["state_student_id"]]
            for column in ("first_name", "last_name_1", "sex", "birth_date", "qad"):
                assert str(got[column] or "") == (row.get(column) or ""), column
        enrollments = sorted((str(r["enrollment_date"]), r["grade_level"] or "") for r in accepted(items, "Enrollment"))
        # Ed-Fi's grade levels have no "out of school": the writer says Ungraded, as for no grade at all.
        grade = {"": "UG", "OS": "UG"}
        assert enrollments == sorted(
            (r["enrollment_date"], grade.get(r.get("grade_level") or "", r.get("grade_level")))
            for r in rows["enrollments.csv"]
            if r["enrollment_date"]
        )
        granted = (r["credits_granted"] for r in accepted(items, "Course"))
        titles = (r["course_title"] for r in accepted(items, "Course"))
        courses = sorted((t, Decimal(-1) if g is None else g) for t, g in zip(titles, granted, strict=True))
        assert courses == sorted(
            (r["course_title"], Decimal(r["credits_granted"]) if r.get("credits_granted") else Decimal(-1))
            for r in rows["courses.csv"]
            if r.get("school_year")
        )
        tests = sorted((r["administration_date"], r["score"] or "") for r in accepted(items, "Assessment"))
        assert tests == sorted((r["administration_date"], r.get("score") or "") for r in rows["assessments.csv"])


def test_both_namespace_versions_give_the_same_events(world, written: dict[str, Path], tmp_path: Path) -> None:
    six = write_edfi(world, tmp_path, NAMESPACE_6)
    for state, folder in written.items():
        assert (six[state] / "Interchange-Student.xml").read_text().count(NAMESPACE_6) == 1
        five_ids = [i.record.get("event_id") for i in read(folder, state, AT)]
        six_ids = [i.record.get("event_id") for i in read(six[state], state, AT)]
        assert five_ids == six_ids and five_ids


def test_only_the_element_in_hand_is_in_memory(written: dict[str, Path]) -> None:
    path = next(iter(written.values())) / "Interchange-StudentEnrollment.xml"
    seen = 0
    for top in XmlFile(path).elements(TOP_LEVEL["InterchangeStudentEnrollment"]):
        assert isinstance(top, Top)
        # Everything before it was dropped; after it, only what libxml2 parsed ahead in its buffer.
        assert top.element.getprevious() is None
        assert len(top.element.getparent()) < 200
        seen += 1
    assert seen > 10


def test_summary_counts_every_element(written: dict[str, Path]) -> None:
    folder = next(iter(written.values()))
    sub = open_submission(folder, "TX", AT)
    items = list(sub.items())
    assert sub.summary.accepted == len(accepted(items)) and sub.summary.rejected == 0
    # One element a line, after the XML declaration and the root's start tag, before its end tag.
    in_files = sum(p.read_text().count("\n") - 3 for p in folder.iterdir())
    assert sum(f.accepted + f.rejected + f.folded + f.skipped for f in sub.summary.files) == in_files


def test_the_benchmark_writes_about_the_elements_asked_for(tmp_path: Path) -> None:
    from hub.bench.edfi import generate

    written = generate(tmp_path / "TX", 400, seed=3, cohort=40)
    assert 400 <= written < 400 * 3
    sub = open_submission(tmp_path / "TX", "TX", AT)
    items = list(sub.items())
    assert rejected(items) == [] and len(accepted(items)) > 200
    assert sum(f.accepted + f.rejected + f.folded + f.skipped for f in sub.summary.files) == written
