"""The Ed-Fi connector's reading side on hand-written interchange files: mapping, joins, both
namespace versions, missing optional parts, and every kind of bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import schemas
from connectors.edfi.reader import open_submission
from connectors.items import Accepted
from hub.errors import SubmissionRejected
from tests.unit.edfi_helpers import MI, TX, accepted, copy, edit, read, rejected, xsd_errors

INTERCHANGES_WITH_XSD = [
    "Interchange-EducationOrganization.xml",
    "Interchange-Student.xml",
    "Interchange-StudentEnrollment.xml",
    "Interchange-StudentProgram.xml",
    "Interchange-StudentTranscript.xml",
    "Interchange-StudentAssessment.xml",
]


@pytest.mark.parametrize("name", INTERCHANGES_WITH_XSD)
def test_the_fixtures_are_valid_against_the_data_standard(name: str) -> None:
    assert xsd_errors(TX / name) == []
    if (MI / name).exists():
        assert xsd_errors(MI / name) == []


def test_a_whole_submission_maps_to_the_exchange_records() -> None:
    items = read(TX)
    assert rejected(items) == []
    # Students first, so the hub meets a child before their records.
    families = [i.family for i in items if isinstance(i, Accepted)]
    assert families[:2] == ["StudentIdentity", "StudentIdentity"]
    assert sorted(families[2:]) == ["Assessment", "Course", "Course", "Enrollment", "Enrollment"]

    jose, ana = accepted(items, "StudentIdentity")
    assert (jose["state_student_id"], jose["first_name"], jose["middle_name"], jose["last_name_1"]) == (
        "TX-1001", "José", "Luis", "Ramírez",
    )  # fmt: skip
    assert (jose["sex"], jose["birth_date"], jose["multiple_birth"], jose["birth_country"]) == (
        "M", date(2009, 3, 14), "N", "MX",
    )  # fmt: skip
    # From the migrant program association: the qualifying arrival date, not the last qualifying move.
    assert (jose["qad"], jose["eligibility_expiration_date"]) == (date(2025, 7, 1), date(2028, 6, 30))
    assert jose["last_name_2"] is None and jose["parent1_first_name"] is None  # Ed-Fi has no place for them
    assert (ana["sex"], ana["middle_name"], ana["qad"]) == ("F", None, None)  # sex from her association

    first, second = accepted(items, "Enrollment")
    assert first == first | {
        "state": "TX",
        "state_student_id": "TX-1001",
        "enrollment_id": "108912001-2025-08-20",
        "enrollment_date": date(2025, 8, 20),
        "withdrawal_date": None,
        "enrollment_type": "01",
        "school_name": "Weslaco High School",
        "nces_school_id": "484518005123",
        "nces_district_id": "4845180",
        "district_name": "Weslaco ISD",
        "facility_city": "Weslaco",
        "facility_state": "TX",
        "grade_level": "10",
        "lep": "Y",
        "pfs": "Y",
        "residency_date": date(2025, 7, 1),
    }
    # A state's own descriptor namespace maps like Ed-Fi's.
    assert (second["grade_level"], second["withdrawal_date"], second["lep"]) == ("07", date(2025, 10, 3), None)

    algebra, composition = accepted(items, "Course")
    assert algebra == algebra | {
        "course_id": "ALG1:2025-2026:Fall Semester",
        "school_year": "2025-2026",
        "term_type": "S1",
        "course_title": "Algebra I",
        "subject_area": "02",
        "credits_attempted": Decimal("1.000"),
        "credits_granted": Decimal("1.000"),
        "final_grade": "A",
        "in_progress": "N",
    }
    # 3 semester hours times the element's own CreditConversion.
    assert (composition["credits_granted"], composition["subject_area"]) == (Decimal("0.990"), "01")

    (test,) = accepted(items, "Assessment")
    assert test == test | {
        "assessment_id": "STAAR-ALG1:2025-05-ALG1-TX-1001",
        "title": "STAAR Algebra I End-of-Course",
        "content": "MATH",
        "type": "03",
        "administration_date": "2025-05",
        "reporting_method": "Scale score",
        "score": "4012",
        "interpretation": "Meets Grade Level",
    }


def test_every_item_encodes_with_the_projects_avro_schemas() -> None:
    for folder in (TX, MI):
        for item in read(folder, "TX" if folder == TX else "MI"):
            name = item.family if isinstance(item, Accepted) else "RejectedRecord"
            _, decoded = schemas.decode(schemas.encode(name, item.record))
            assert decoded["event_id" if isinstance(item, Accepted) else "rejection_id"]


def test_a_6x_namespace_reads_like_5x() -> None:
    items = read(MI, "MI")
    assert rejected(items) == []
    (boy,) = accepted(items, "StudentIdentity")
    (enrollment,) = accepted(items, "Enrollment")
    assert (boy["first_name"], boy["sex"]) == ("Jose", "M")
    assert (enrollment["school_name"], enrollment["facility_city"], enrollment["facility_state"]) == (
        "Holland High School", "Holland", "MI",
    )  # fmt: skip
    assert enrollment["nces_school_id"] is None and enrollment["district_name"] is None  # not given


def test_any_subset_of_interchanges(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    for name in ("Interchange-Student.xml", "Interchange-StudentTranscript.xml"):
        (folder / name).write_bytes((TX / name).read_bytes())
    items = read(folder)
    jose = accepted(items, "StudentIdentity")[0]
    assert jose["qad"] is None  # no program file: not reported
    assert len(accepted(items, "Course")) == 2
    # Ana's sex is only on her StudentEducationOrganizationAssociation, and the exchange needs it.
    assert [(r["column"], r["reason"]) for r in rejected(items)] == [
        ("/InterchangeStudent/Student[2]/BirthData/BirthSex", "sex is required")
    ]


def test_unknown_descriptor_rejects_its_element_and_the_rest_goes_on(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edit(
        folder / "Interchange-StudentEnrollment.xml", "GradeLevelDescriptor#Tenth grade", "GradeLevelDescriptor#Grade X"
    )
    edit(folder / "Interchange-StudentTranscript.xml", "TermDescriptor#Fall Semester", "SexDescriptor#Male")
    items = read(folder)
    bad = {(r["file"], r["column"]): r for r in rejected(items)}
    grade = bad[
        "Interchange-StudentEnrollment.xml", "/InterchangeStudentEnrollment/StudentSchoolAssociation[1]/EntryGradeLevel"
    ]
    assert grade["reason"] == "EntryGradeLevel 'Grade X' maps to no code of the exchange (GradeLevelDescriptor)"
    assert (grade["line"], grade["record_family"], grade["state_student_id"]) == (3, "Enrollment", "TX-1001")
    term = bad[
        "Interchange-StudentTranscript.xml",
        "/InterchangeStudentTranscript/CourseTranscript[1]/StudentAcademicRecordReference/StudentAcademicRecordIdentity/Term",
    ]
    assert term["reason"] == "Term is a SexDescriptor, not a TermDescriptor"
    assert len(bad) == 2
    assert len(accepted(items)) == 7 - 2


def test_an_element_that_breaks_a_rule_is_rejected_with_its_path(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    student = folder / "Interchange-Student.xml"
    edit(student, "<BirthDate>2009-03-14</BirthDate>", "<BirthDate>2009-02-30</BirthDate>")
    edit(student, "<FirstName>Ana</FirstName>", "")
    edit(folder / "Interchange-StudentAssessment.xml", "<Result>4012</Result>", "<Result>40.5</Result>")
    edit(folder / "Interchange-StudentTranscript.xml", "<Credits>3</Credits>", "<Credits>three</Credits>")
    items = read(folder)
    orphan = "defined by no Student element"
    bad = sorted((r["file"], r["line"], r["column"], r["reason"]) for r in rejected(items) if orphan not in r["reason"])
    assert bad == [
        ("Interchange-Student.xml", 3, "/InterchangeStudent/Student[1]/BirthData/BirthDate",
         "BirthDate '2009-02-30' is not a real date"),
        ("Interchange-Student.xml", 19, "/InterchangeStudent/Student[2]/Name/FirstName", "FirstName is required"),
        ("Interchange-StudentAssessment.xml", 3,
         "/InterchangeStudentAssessment/StudentAssessment[1]/ScoreResult/Result",
         "Result '40.5' is not a valid integer"),
        ("Interchange-StudentTranscript.xml", 26,
         "/InterchangeStudentTranscript/CourseTranscript[2]/EarnedCredits/Credits", "Credits 'three' is not a number"),
    ]  # fmt: skip
    # Neither child is defined now: their enrollments, other course and program are rejected as orphans.
    orphans = [r for r in rejected(items) if orphan in r["reason"]]
    assert len(orphans) == 2 + 2 + 1 + 1
    assert accepted(items) == []


def test_a_rule_of_the_exchange_is_checked_by_its_mde_row_model(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edit(folder / "Interchange-StudentEnrollment.xml", "<ExitWithdrawDate>2025-10-03", "<ExitWithdrawDate>2025-08-01")
    assert [(r["column"], r["reason"]) for r in rejected(read(folder))] == [
        ("/InterchangeStudentEnrollment/StudentSchoolAssociation[2]/ExitWithdrawDate",
         "withdrawal_date '2025-08-01' is before enrollment_date '2025-08-20'"),
    ]  # fmt: skip
    mi = copy(MI, tmp_path / "mi")
    edit(mi / "Interchange-Student.xml", "<BirthDate>2009-03-14", "<BirthDate>2026-01-01")
    assert [(r["column"], r["reason"]) for r in rejected(read(mi, "MI"))] == [
        ("/InterchangeStudent/Student[1]/BirthData/BirthDate", "birth_date '2026-01-01' is after the submission date"),
        ("/InterchangeStudentEnrollment/StudentSchoolAssociation[1]/StudentReference/StudentIdentity/StudentUniqueId",
         "student 'MI-77' is defined by no Student element of this submission"),
    ]  # fmt: skip


def test_references_to_students_never_defined(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edit(folder / "Interchange-StudentTranscript.xml", "<StudentUniqueId>TX-1001</StudentUniqueId>",
         "<StudentUniqueId>TX-9999</StudentUniqueId>")  # fmt: skip
    edit(folder / "Interchange-StudentProgram.xml", "TX-1001", "TX-8888")
    items = read(folder)
    bad = rejected(items)
    assert [(r["file"], r["state_student_id"], r["record_family"]) for r in bad] == [
        ("Interchange-StudentProgram.xml", "TX-8888", None),
        ("Interchange-StudentTranscript.xml", "TX-9999", "Course"),
    ]
    assert all("defined by no Student element" in r["reason"] for r in bad)
    assert accepted(items, "StudentIdentity")[0]["qad"] is None  # the program named someone else
    assert len(accepted(items, "Course")) == 1


def test_malformed_xml_stops_that_file_where_it_breaks(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    path = folder / "Interchange-StudentTranscript.xml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[26] = lines[26].replace("<CourseAttemptResult>", "<CourseAttemptResult")  # the second transcript
    path.write_text("".join(lines), encoding="utf-8")
    (folder / "Interchange-StudentAssessment.xml").write_bytes(b"\x00\x01 not xml at all")
    items = read(folder)
    bad = [(r["file"], r["line"], r["column"], r["reason"].split(":")[0]) for r in rejected(items)]
    assert bad == [
        ("Interchange-StudentAssessment.xml", 1, None, "malformed XML"),
        ("Interchange-StudentTranscript.xml", 27, None, "malformed XML"),
    ]
    assert len(accepted(items, "Course")) == 1  # the one before the break
    assert len(accepted(items, "Enrollment")) == 2  # other files go on


def test_files_that_are_not_ed_fi_interchanges(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    (folder / "roster.xml").write_text('<?xml version="1.0"?><Roster xmlns="http://ed-fi.org/5.2.0"/>')
    (folder / "old.xml").write_text('<InterchangeStudent xmlns="http://ed-fi.org/3.3.0-b"/>')
    (folder / "notes.txt").write_text("not read")
    reasons = {r["file"]: r["reason"] for r in rejected(read(folder))}
    assert reasons["roster.xml"].startswith("root element 'Roster' is not an interchange read here")
    assert reasons["old.xml"] == "namespace 'http://ed-fi.org/3.3.0-b' is not an Ed-Fi 5.x or 6.x namespace"
    assert len(reasons) == 2


def test_elements_the_exchange_does_not_use_are_skipped(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edit(folder / "Interchange-StudentEnrollment.xml", "</InterchangeStudentEnrollment>",
         "<GraduationPlan><Anything/></GraduationPlan></InterchangeStudentEnrollment>")  # fmt: skip
    sub = open_submission(folder, "TX")
    items = list(sub.items())
    assert rejected(items) == []
    counts = {f.file: (f.accepted, f.rejected, f.folded, f.skipped) for f in sub.summary.files}
    assert counts["Interchange-StudentEnrollment.xml"] == (2, 0, 2, 1)
    assert counts["Interchange-EducationOrganization.xml"] == (0, 0, 2, 0)


def test_republishing_gives_the_same_ids_and_a_later_time_new_ones(tmp_path: Path) -> None:
    def ids(at: datetime | None) -> list[str]:
        return [i.record.get("event_id") or i.record["rejection_id"] for i in read(folder, at=at)]

    folder = copy(TX, tmp_path / "tx")
    edit(
        folder / "Interchange-StudentTranscript.xml",
        "CourseAttemptResultDescriptor#Pass",
        "CourseAttemptResultDescriptor#Maybe",
    )
    at = datetime(2025, 11, 1, tzinfo=UTC)
    assert ids(at) == ids(at) and len(set(ids(at))) == 7
    assert set(ids(datetime(2025, 11, 2, tzinfo=UTC))).isdisjoint(ids(at))
    assert ids(None) == ids(None)  # by default the newest file's time: the same files, the same ids


def test_a_folder_without_interchanges_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected, match="no Ed-Fi interchange files"):
        open_submission(tmp_path, "TX")
    with pytest.raises(SubmissionRejected, match="no such folder"):
        open_submission(tmp_path / "nope", "TX")


def test_progress_is_counted_in_bytes_of_every_pass() -> None:
    sub = open_submission(TX, "TX")
    seen = []
    for _ in sub.items():
        seen.append(sub.bytes_read)
    assert seen == sorted(seen) and seen[-1] <= sub.total_bytes
    # Every file is read once: the enrollments are kept aside while the students are read.
    sizes = {p.name: p.stat().st_size for p in TX.iterdir()}
    assert sub.total_bytes == sum(sizes.values())
    assert sub.bytes_read == sub.total_bytes
