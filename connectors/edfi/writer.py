"""Write Ed-Fi interchange files from MDE-shaped rows: the inverse of the reader, for tests, samples
and the benchmark.

Elements are written in the order the Data Standard's XSD sequences require (the unit tests validate
the output against the 5.2 schemas), by plain string building, which is fast enough to write the
benchmark's hundreds of megabytes. What the MDE row has and Ed-Fi has no place for (maternal surname,
parents, moves...) is left out; ``D`` rows are left out (an interchange states what is, not changes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from connectors.edfi.descriptors import tables

NAMESPACE_5 = "http://ed-fi.org/5.2.0"
NAMESPACE_6 = "http://ed-fi.org/6.1.0"

FILES = {
    "InterchangeEducationOrganization": "Interchange-EducationOrganization.xml",
    "InterchangeAssessmentMetadata": "Interchange-AssessmentMetadata.xml",
    "InterchangeStudent": "Interchange-Student.xml",
    "InterchangeStudentEnrollment": "Interchange-StudentEnrollment.xml",
    "InterchangeStudentProgram": "Interchange-StudentProgram.xml",
    "InterchangeStudentTranscript": "Interchange-StudentTranscript.xml",
    "InterchangeStudentAssessment": "Interchange-StudentAssessment.xml",
}

Row = Mapping[str, str | None]


def _e(name: str, value: str | None) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else ""


def _d(name: str, descriptor: str, value: str | None) -> str:
    return _e(name, f"uri://ed-fi.org/{descriptor}#{value}") if value else ""


def _code(table: str, code: str | None) -> str | None:
    return tables().inverse.get(table, {}).get(code) if code else None


def _id(*parts: str | None) -> str:
    """A stable numeric Ed-Fi id (xs:long) for an organization the MDE row names only by text."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()
    return str(100_000_000 + int(digest[:12], 16) % 900_000_000)


def _student_ref(sid: str) -> str:
    return f"<StudentReference><StudentIdentity>{_e('StudentUniqueId', sid)}</StudentIdentity></StudentReference>"


def _edorg_ref(name: str, edorg: str) -> str:
    inner = f"<EducationOrganizationIdentity>{_e('EducationOrganizationId', edorg)}</EducationOrganizationIdentity>"
    return f"<{name}>{inner}</{name}>"


def school_id(row: Row) -> str:
    nces = row.get("nces_school_id") or ""
    return nces if nces.isdigit() and len(nces) < 18 else _id(row.get("school_name"), row.get("facility_city"))


def district_id(row: Row) -> str | None:
    nces = row.get("nces_district_id") or ""
    if nces.isdigit() and len(nces) < 18:
        return nces
    return _id("district", row.get("district_name")) if row.get("district_name") else None


def _nces(value: str | None) -> str:
    if not value:
        return ""
    return (
        "<EducationOrganizationIdentificationCode>"
        + _e("IdentificationCode", value)
        + _d("EducationOrganizationIdentificationSystem", "EducationOrganizationIdentificationSystemDescriptor", "NCES")
        + "</EducationOrganizationIdentificationCode>"
    )


def school(row: Row) -> str:
    city, state = row.get("facility_city"), row.get("facility_state")
    address = ""
    if city and state:
        address = (
            "<Address>"
            + _e("StreetNumberName", "1 School Road")
            + _e("City", city)
            + _d("StateAbbreviation", "StateAbbreviationDescriptor", state)
            + _e("PostalCode", "00000")
            + _d("AddressType", "AddressTypeDescriptor", "Physical")
            + "</Address>"
        )
    district = district_id(row)
    lea = ""
    if district:
        lea = (
            "<LocalEducationAgencyReference><LocalEducationAgencyIdentity>"
            + _e("LocalEducationAgencyId", district)
            + "</LocalEducationAgencyIdentity></LocalEducationAgencyReference>"
        )
    return (
        "<School>"
        + _nces(row.get("nces_school_id"))
        + _e("NameOfInstitution", row.get("school_name") or "School")
        + _d("EducationOrganizationCategory", "EducationOrganizationCategoryDescriptor", "School")
        + address
        + _e("SchoolId", school_id(row))
        + _d("GradeLevel", "GradeLevelDescriptor", "Ninth grade")
        + lea
        + "</School>"
    )


def district(row: Row) -> str:
    return (
        "<LocalEducationAgency>"
        + _nces(row.get("nces_district_id"))
        + _e("NameOfInstitution", row.get("district_name") or "District")
        + _d("EducationOrganizationCategory", "EducationOrganizationCategoryDescriptor", "Local Education Agency")
        + _e("LocalEducationAgencyId", district_id(row))
        + _d("LocalEducationAgencyCategory", "LocalEducationAgencyCategoryDescriptor", "Independent")
        + "</LocalEducationAgency>"
    )


def student(row: Row) -> str:
    birth_state = row.get("birth_state") or ""
    return (
        "<Student>"
        + _e("StudentUniqueId", row.get("state_student_id"))
        + "<Name>"
        + _e("FirstName", row.get("first_name"))
        + _e("MiddleName", row.get("middle_name"))
        + _e("LastSurname", row.get("last_name_1"))
        + _e("GenerationCodeSuffix", row.get("suffix"))
        + "</Name><BirthData>"
        + _e("BirthDate", row.get("birth_date"))
        + _e("BirthCity", row.get("birth_city"))
        + (_d("BirthStateAbbreviation", "StateAbbreviationDescriptor", birth_state) if len(birth_state) == 2 else "")
        + _d("BirthCountry", "CountryDescriptor", row.get("birth_country"))
        + _e("MultipleBirthStatus", {"Y": "true", "N": "false"}.get(row.get("multiple_birth") or ""))
        + "</BirthData></Student>"
    )


_LEP = {"Y": "Limited", "N": "NotLimited"}


def education_organization_association(sid: str, edorg: str, sex: str | None, lep: str | None) -> str:
    return (
        "<StudentEducationOrganizationAssociation>"
        + _student_ref(sid)
        + _edorg_ref("EducationOrganizationReference", edorg)
        + _d("Sex", "SexDescriptor", _code("SexDescriptor", sex))
        + _d("LimitedEnglishProficiency", "LimitedEnglishProficiencyDescriptor", _LEP.get(lep or ""))
        + "</StudentEducationOrganizationAssociation>"
    )


def school_association(row: Row) -> str:
    grade = _code("GradeLevelDescriptor", row.get("grade_level")) or "Ungraded"
    kind = _code("EnrollmentTypeDescriptor", row.get("enrollment_type"))
    return (
        "<StudentSchoolAssociation>"
        + _student_ref(row["state_student_id"] or "")
        + f"<SchoolReference><SchoolIdentity>{_e('SchoolId', school_id(row))}</SchoolIdentity></SchoolReference>"
        + _e("EntryDate", row.get("enrollment_date"))
        + _d("EntryGradeLevel", "GradeLevelDescriptor", grade)
        + _e("ExitWithdrawDate", row.get("withdrawal_date"))
        + _d("EnrollmentType", "EnrollmentTypeDescriptor", kind)
        + "</StudentSchoolAssociation>"
    )


def migrant_program_association(sid: str, edorg: str, student_row: Row, enrollment: Row | None) -> str:
    qad = student_row.get("qad") or ""
    program = (
        "<ProgramReference><ProgramIdentity>"
        + _edorg_ref("EducationOrganizationReference", edorg)
        + _e("ProgramName", "Migrant Education Program")
        + _d("ProgramType", "ProgramTypeDescriptor", "Migrant Education")
        + "</ProgramIdentity></ProgramReference>"
    )
    pfs = (enrollment or {}).get("pfs")
    return (
        "<StudentMigrantEducationProgramAssociation>"
        + _student_ref(sid)
        + program
        + _e("BeginDate", qad)
        + _edorg_ref("EducationOrganizationReference", edorg)
        + _e("PriorityForServices", "true" if pfs == "Y" else "false")
        + _e("LastQualifyingMove", qad)
        + _e("QualifyingArrivalDate", qad)
        + _e("StateResidencyDate", (enrollment or {}).get("residency_date"))
        + _e("EligibilityExpirationDate", student_row.get("eligibility_expiration_date"))
        + "</StudentMigrantEducationProgramAssociation>"
    )


def _credits(name: str, value: str | None) -> str:
    if not value:
        return ""
    return f"<{name}>{_e('Credits', value)}{_d('CreditType', 'CreditTypeDescriptor', 'Carnegie unit')}</{name}>"


def course_transcript(row: Row, edorg: str) -> str:
    year = row.get("school_year") or ""
    term = _code("TermDescriptor", row.get("term_type")) or "Year Round"
    result = "In Progress" if row.get("in_progress") == "Y" else "Pass"
    subject = _code("AcademicSubjectDescriptor", row.get("subject_area"))
    record = (
        "<StudentAcademicRecordReference><StudentAcademicRecordIdentity>"
        + _student_ref(row["state_student_id"] or "")
        + _edorg_ref("EducationOrganizationReference", edorg)
        + _e("SchoolYear", year)
        + _d("Term", "TermDescriptor", term)
        + "</StudentAcademicRecordIdentity></StudentAcademicRecordReference>"
    )
    course = (
        "<CourseReference><CourseIdentity>"
        + _e("CourseCode", row.get("course_id"))
        + _edorg_ref("EducationOrganizationReference", edorg)
        + "</CourseIdentity></CourseReference>"
    )
    return (
        "<CourseTranscript>"
        + _d("CourseAttemptResult", "CourseAttemptResultDescriptor", result)
        + _credits("AttemptedCredits", row.get("credits_attempted"))
        + _credits("EarnedCredits", row.get("credits_granted"))
        + _e("FinalLetterGradeEarned", row.get("final_grade"))
        + course
        + record
        + _e("CourseTitle", row.get("course_title"))
        + _d("AcademicSubject", "AcademicSubjectDescriptor", subject)
        + "</CourseTranscript>"
    )


def _datatype(score: str) -> str:
    if score.isdigit():
        return "Integer"
    try:
        float(score)
    except ValueError:
        return "Level"
    return "Decimal"


def student_assessment(row: Row, namespace: str) -> str:
    score = row.get("score") or ""
    method = row.get("reporting_method") or "Scale score"
    scored = ""
    if score:
        scored = (
            "<ScoreResult>"
            + _e("Result", score)
            + _d("ResultDatatypeType", "ResultDatatypeTypeDescriptor", _datatype(score))
            + _d("AssessmentReportingMethod", "AssessmentReportingMethodDescriptor", method)
            + "</ScoreResult>"
        )
    level = ""
    if row.get("interpretation"):
        level = (
            "<PerformanceLevel>"
            + _d("PerformanceLevel", "PerformanceLevelDescriptor", row.get("interpretation"))
            + _d("AssessmentReportingMethod", "AssessmentReportingMethodDescriptor", method)
            + "</PerformanceLevel>"
        )
    month = row.get("administration_date")
    identifier, _, serial = (row.get("assessment_id") or "").rpartition(":")
    return (
        "<StudentAssessment>"
        + _e("StudentAssessmentIdentifier", serial)
        + _e("AdministrationDate", f"{month}-01T09:00:00" if month else None)
        + scored
        + level
        + _student_ref(row["state_student_id"] or "")
        + "<AssessmentReference><AssessmentIdentity>"
        + _e("AssessmentIdentifier", identifier or serial)
        + _e("Namespace", namespace)
        + "</AssessmentIdentity></AssessmentReference>"
        + "</StudentAssessment>"
    )


def assessment(row: Row, namespace: str) -> str:
    identifier, _, serial = (row.get("assessment_id") or "").rpartition(":")
    subject = _code("AssessmentContent", row.get("content"))
    category = _code("AssessmentCategoryDescriptor", row.get("type"))
    return (
        "<Assessment>"
        + _e("AssessmentIdentifier", identifier or serial)
        + _e("AssessmentTitle", row.get("title") or identifier or serial)
        + _d("AssessmentCategory", "AssessmentCategoryDescriptor", category)
        + _d("AcademicSubject", "AcademicSubjectDescriptor", subject or "Other")
        + _e("Namespace", namespace)
        + "</Assessment>"
    )


class _Files:
    """One open interchange file per root element, each element on its own line."""

    def __init__(self, folder: Path, namespace: str) -> None:
        self.folder = folder
        self.namespace = namespace
        self.open: dict[str, TextIO] = {}
        self.counts: dict[str, int] = {}

    def write(self, interchange: str, element: str) -> None:
        fh = self.open.get(interchange)
        if fh is None:
            fh = self.open[interchange] = (self.folder / FILES[interchange]).open("w", encoding="utf-8")
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{interchange} xmlns="{self.namespace}">\n')
        fh.write(element)
        fh.write("\n")
        self.counts[FILES[interchange]] = self.counts.get(FILES[interchange], 0) + 1

    def close(self) -> None:
        for interchange, fh in self.open.items():
            fh.write(f"</{interchange}>\n")
            fh.close()


class EdfiWriter:
    """Interchange files written from MDE-shaped rows, in as many ``add`` calls as needed (each a
    complete snapshot of some children), so a large submission is written with flat memory."""

    def __init__(
        self,
        folder: Path,
        namespace: str = NAMESPACE_5,
        assessment_namespace: str = "uri://exchange.example/Assessment",
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._out = _Files(folder, namespace)
        self._assessment_namespace = assessment_namespace
        self._edorg = _id("state education agency")
        self._schools: set[str] = set()
        self._districts: set[str] = set()
        self._assessments: set[str] = set()

    @property
    def counts(self) -> dict[str, int]:
        """Elements written per file."""
        return self._out.counts

    def add(self, rows_by_file: Mapping[str, Iterable[Row]]) -> None:
        out, edorg = self._out, self._edorg
        live = {name: [r for r in rows if r.get("action") != "D"] for name, rows in rows_by_file.items()}
        students = {r["state_student_id"] or "": r for r in live.get("students.csv", [])}
        enrollments = [r for r in live.get("enrollments.csv", []) if r.get("enrollment_date")]
        latest: dict[str, Row] = {}
        for r in enrollments:
            sid = r["state_student_id"] or ""
            if sid not in latest or (r.get("enrollment_date") or "") >= (latest[sid].get("enrollment_date") or ""):
                latest[sid] = r
        self._organizations(enrollments)
        self._assessment_metadata(live.get("assessments.csv", []))
        for r in students.values():
            out.write("InterchangeStudent", student(r))
        for sid, r in students.items():
            lep = (latest.get(sid) or {}).get("lep")
            if r.get("sex") or lep:
                association = education_organization_association(sid, edorg, r.get("sex"), lep)
                out.write("InterchangeStudentEnrollment", association)
            if r.get("qad"):
                out.write("InterchangeStudentProgram", migrant_program_association(sid, edorg, r, latest.get(sid)))
        for r in enrollments:
            out.write("InterchangeStudentEnrollment", school_association(r))
        for r in live.get("courses.csv", []):
            if r.get("school_year"):
                out.write("InterchangeStudentTranscript", course_transcript(r, edorg))
        for r in live.get("assessments.csv", []):
            out.write("InterchangeStudentAssessment", student_assessment(r, self._assessment_namespace))

    def close(self) -> None:
        self._out.close()

    def _organizations(self, enrollments: list[Row]) -> None:
        for r in enrollments:
            d = district_id(r)
            if d and d not in self._districts:
                self._districts.add(d)
                self._out.write("InterchangeEducationOrganization", district(r))
        for r in enrollments:
            sid = school_id(r)
            if sid not in self._schools:
                self._schools.add(sid)
                self._out.write("InterchangeEducationOrganization", school(r))

    def _assessment_metadata(self, rows: list[Row]) -> None:
        for r in rows:
            identifier = (r.get("assessment_id") or "").rpartition(":")[0] or r.get("assessment_id") or ""
            if identifier not in self._assessments and (r.get("title") or r.get("content") or r.get("type")):
                self._assessments.add(identifier)
                self._out.write("InterchangeAssessmentMetadata", assessment(r, self._assessment_namespace))


def write_submission(
    folder: Path,
    rows_by_file: Mapping[str, Iterable[Row]],
    namespace: str = NAMESPACE_5,
) -> dict[str, int]:
    """Write the Ed-Fi interchanges for one snapshot of MDE rows; return elements per file."""
    writer = EdfiWriter(folder, namespace)
    try:
        writer.add(rows_by_file)
    finally:
        writer.close()
    return writer.counts
