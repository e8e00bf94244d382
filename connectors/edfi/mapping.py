"""Ed-Fi elements -> the exchange's record fields: one pure function per element kind.

Each function reads one top-level element through a ``View`` and returns the MDE columns it can fill,
as text, ready for the MDE row models (which hold every rule of the exchange, once). What Ed-Fi does
not carry (a maternal surname, parents' names, moves, immunizations...) is simply not reported.

Some records need data from other elements: a child's sex may be on the StudentEducationOrganization-
Association, the qualifying arrival date on the StudentMigrantEducationProgramAssociation, a school's
name on the School. Those are read first into small lookups (``Lookups``), then joined by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from connectors.edfi.descriptors import Unmapped, split
from connectors.edfi.view import ElementProblem, View

Fields = dict[str, str]

_STUDENT_REF = ("StudentReference/StudentIdentity/StudentUniqueId", "StudentReference/StudentLookup/StudentUniqueId")


# --- lookups: what other elements tell about schools, courses, assessments and children ------------


@dataclass(frozen=True, slots=True)
class School:
    name: str | None
    city: str | None
    state: str | None
    nces_id: str | None
    district_id: str | None


@dataclass(frozen=True, slots=True)
class District:
    name: str | None
    nces_id: str | None


@dataclass(frozen=True, slots=True)
class CourseDef:
    title: str | None
    subject: str | None
    course_type: str | None


@dataclass(frozen=True, slots=True)
class AssessmentDef:
    title: str | None
    content: str | None
    type: str | None


@dataclass(slots=True)
class Extra:
    """What a child's association elements add to their records; the first value given wins,
    except the migrant program: the association that began last gives all of its values."""

    sex: str | None = None
    lep: str | None = None
    program_begin: str = ""
    qad: str | None = None
    eligibility_expiration_date: str | None = None
    pfs: str | None = None
    residency_date: str | None = None
    origins: list[tuple[str, int, str]] = field(default_factory=list)
    """(file, line, path) of each element that said something: rejected if the child is never defined."""


@dataclass
class Lookups:
    schools: dict[str, School] = field(default_factory=dict)
    districts: dict[str, District] = field(default_factory=dict)
    courses: dict[tuple[str, str], CourseDef] = field(default_factory=dict)
    assessments: dict[tuple[str, str], AssessmentDef] = field(default_factory=dict)
    extras: dict[str, Extra] = field(default_factory=dict)


REPEATED: dict[str, tuple[str, ...]] = {
    "School": ("EducationOrganizationIdentificationCode", "Address"),
    "LocalEducationAgency": ("EducationOrganizationIdentificationCode",),
    "Course": ("CourseLevelCharacteristic",),
    "StudentAssessment": ("ScoreResult", "PerformanceLevel"),
}
"""The children each element's mapping reads one by one (``View.all``, ``leaves``, ``first``): what a
reading in another process sends along with an element's leaves (``connectors.edfi.readahead``)."""


def _nces(v: View) -> str | None:
    for c in v.all("EducationOrganizationIdentificationCode"):
        if (c.code_value("EducationOrganizationIdentificationSystem") or "").upper() == "NCES":
            return c.text("IdentificationCode")
    return None


def _address(v: View) -> tuple[str | None, str | None]:
    """City and state of the physical address (or the first address)."""
    addresses = v.all("Address")
    physical = [a for a in addresses if (a.code_value("AddressType") or "").lower() == "physical"]
    if not addresses:
        return None, None
    chosen = (physical or addresses)[0]
    state = chosen.code_value("StateAbbreviation")
    return chosen.text("City"), state.upper() if state else None


def school(v: View) -> tuple[str, School]:
    city, state = _address(v)
    district = v.text(
        "LocalEducationAgencyReference/LocalEducationAgencyIdentity/LocalEducationAgencyId",
        "LocalEducationAgencyReference/LocalEducationAgencyLookup/LocalEducationAgencyId",
    )
    return v.required("SchoolId"), School(v.text("NameOfInstitution"), city, state, _nces(v), district)


def district(v: View) -> tuple[str, District]:
    return v.required("LocalEducationAgencyId"), District(v.text("NameOfInstitution"), _nces(v))


def course_def(v: View) -> tuple[tuple[str, str], CourseDef]:
    edorg = v.text("EducationOrganizationReference/EducationOrganizationIdentity/EducationOrganizationId") or ""
    level = None
    for text in v.leaves("CourseLevelCharacteristic"):
        level = _descriptor(v, "CourseLevelCharacteristicDescriptor", text, "CourseLevelCharacteristic")
        if level is not None:
            break
    subject = v.code("AcademicSubjectDescriptor", "AcademicSubject")
    return (edorg, v.required("CourseCode")), CourseDef(v.text("CourseTitle"), subject, level)


def assessment_def(v: View) -> tuple[tuple[str, str], AssessmentDef]:
    key = (v.required("AssessmentIdentifier"), v.text("Namespace") or "")
    content = v.code("AssessmentContent", "AcademicSubject", "AcademicSubjectDescriptor")
    kind = v.code("AssessmentCategoryDescriptor", "AssessmentCategory")
    return key, AssessmentDef(v.text("AssessmentTitle"), content, kind)


def _descriptor(v: View, table: str, text: str, path: str) -> str | None:
    if not text:
        return None
    try:
        return v.tables.code(table, text)
    except Unmapped as exc:
        raise ElementProblem(path, f"{path} {exc}") from None


def student_of(v: View, *paths: str) -> str:
    return v.required(*(paths or _STUDENT_REF))


def education_organization_association(v: View, extra: Extra) -> None:
    sex = v.code("SexDescriptor", "Sex")
    lep = v.code("LimitedEnglishProficiencyDescriptor", "LimitedEnglishProficiency")
    extra.sex = extra.sex or sex
    extra.lep = extra.lep or lep


def migrant_program_association(v: View, extra: Extra) -> None:
    begin = v.date("BeginDate") or ""
    qad = v.date("QualifyingArrivalDate") or v.date("LastQualifyingMove")
    values = (qad, v.date("EligibilityExpirationDate"), v.boolean("PriorityForServices"), v.date("StateResidencyDate"))
    if begin >= extra.program_begin:  # on a tie the later element in file order wins, deterministically
        extra.program_begin = begin
        extra.qad, extra.eligibility_expiration_date, extra.pfs, extra.residency_date = values


# --- the record families ------------------------------------------------------------------------


def _put(fields: Fields, **values: str | None) -> Fields:
    for name, value in values.items():
        if value is not None:
            fields[name] = value
    return fields


STUDENT_PATHS = {
    "state_student_id": "StudentUniqueId",
    "first_name": "Name/FirstName",
    "middle_name": "Name/MiddleName",
    "last_name_1": "Name/LastSurname",
    "suffix": "Name/GenerationCodeSuffix",
    "sex": "BirthData/BirthSex",
    "birth_date": "BirthData/BirthDate",
    "multiple_birth": "BirthData/MultipleBirthStatus",
    "birth_city": "BirthData/BirthCity",
    "birth_state": "BirthData/BirthStateAbbreviation",
    "birth_country": "BirthData/BirthCountry",
}


def student(v: View, extras: dict[str, Extra]) -> Fields:
    sid = v.required("StudentUniqueId")
    extra = extras.get(sid) or Extra()
    return _put(
        {"action": "I", "state_student_id": sid, "state_student_id_type": "01"},
        first_name=v.required("Name/FirstName"),
        middle_name=v.text("Name/MiddleName"),
        last_name_1=v.required("Name/LastSurname"),
        suffix=v.text("Name/GenerationCodeSuffix"),
        sex=v.code("SexDescriptor", "BirthData/BirthSex") or extra.sex,
        birth_date=v.date("BirthData/BirthDate") or _missing("BirthData/BirthDate"),
        multiple_birth=v.boolean("BirthData/MultipleBirthStatus"),
        birth_city=v.text("BirthData/BirthCity"),
        birth_state=v.code_value("BirthData/BirthStateAbbreviation"),
        birth_country=v.code_value("BirthData/BirthCountry"),
        qad=extra.qad,
        eligibility_expiration_date=extra.eligibility_expiration_date,
    )


def _missing(path: str) -> str:
    raise ElementProblem(path, f"{path.rpartition('/')[2]} is required")


ENROLLMENT_PATHS = {
    "state_student_id": _STUDENT_REF[0],
    "enrollment_id": "SchoolReference/SchoolIdentity/SchoolId",
    "enrollment_date": "EntryDate",
    "withdrawal_date": "ExitWithdrawDate",
    "enrollment_type": "EnrollmentType",
    "grade_level": "EntryGradeLevel",
    "facility_state": "SchoolReference",
}


def enrollment(v: View, lookups: Lookups) -> Fields:
    """The element's own values and its school's: complete with ``enrollment_extra`` once every
    association of the child is read (the StudentEnrollment file is read once, before the students)."""
    sid = student_of(v)
    school_id = v.required("SchoolReference/SchoolIdentity/SchoolId", "SchoolReference/SchoolLookup/SchoolId")
    entry = v.date("EntryDate") or _missing("EntryDate")
    where = lookups.schools.get(school_id) or School(None, None, None, None, None)
    district_of = lookups.districts.get(where.district_id or "") or District(None, None)
    return _put(
        {"action": "I", "state_student_id": sid, "enrollment_id": f"{school_id}-{entry}", "enrollment_date": entry},
        withdrawal_date=v.date("ExitWithdrawDate"),
        enrollment_type=v.code("EnrollmentTypeDescriptor", "EnrollmentType") if v.text("EnrollmentType") else "01",
        school_name=where.name,
        nces_school_id=where.nces_id,
        nces_district_id=district_of.nces_id,
        district_name=district_of.name,
        facility_city=where.city,
        facility_state=where.state,
        grade_level=v.code("GradeLevelDescriptor", "EntryGradeLevel") if v.text("EntryGradeLevel") else None,
    )


def enrollment_extra(fields: Fields, lookups: Lookups) -> Fields:
    """What the child's associations add to an enrollment (after its own values: their order is the
    record's identity)."""
    extra = lookups.extras.get(fields["state_student_id"]) or Extra()
    return _put(fields, lep=extra.lep, pfs=extra.pfs, residency_date=extra.residency_date)


_RECORD = "StudentAcademicRecordReference/StudentAcademicRecordIdentity"
COURSE_PATHS = {
    "state_student_id": f"{_RECORD}/StudentReference/StudentIdentity/StudentUniqueId",
    "course_id": "CourseReference/CourseIdentity/CourseCode",
    "school_year": f"{_RECORD}/SchoolYear",
    "term_type": f"{_RECORD}/Term",
    "course_title": "CourseTitle",
    "subject_area": "AcademicSubject",
    "credits_attempted": "AttemptedCredits/Credits",
    "credits_granted": "EarnedCredits/Credits",
    "final_grade": "FinalLetterGradeEarned",
    "in_progress": "CourseAttemptResult",
}


def _school_year(value: str | None) -> str | None:
    if value is not None and len(value) == 4 and value.isdigit():  # Ed-Fi 2.x-4.x style: the ending year
        return f"{int(value) - 1}-{value}"
    return value


def _carnegie(v: View, path: str) -> str | None:
    # A submission has few distinct (credits, conversion, credit type): each is worked out once.
    get = v.texts.get
    key = (get(f"{path}/Credits"), get(f"{path}/CreditConversion"), get(f"{path}/CreditType"))
    memo = v.tables.carnegie_memo  # with the tables: the conversion depends on them
    found = memo.get(key)
    if found is None:
        found = _carnegie_units(v, path)  # raises on a bad value: only good ones are remembered
        if len(memo) < 10_000:
            memo[key] = found
    return found or None


def _carnegie_units(v: View, path: str) -> str:
    credits = v.decimal(f"{path}/Credits")
    if credits is None:
        return ""
    factor = v.decimal(f"{path}/CreditConversion")
    if factor is None:
        try:
            factor = v.tables.carnegie_factor(v.text(f"{path}/CreditType"))
        except Unmapped as exc:
            raise ElementProblem(f"{path}/CreditType", f"CreditType {exc}") from None
    return str((credits * factor).quantize(Decimal("0.001")))


_NO_COURSE = CourseDef(None, None, None)
_EDORG_ID = "EducationOrganizationReference/EducationOrganizationIdentity/EducationOrganizationId"
_C_SID = (
    f"{_RECORD}/StudentReference/StudentIdentity/StudentUniqueId",
    f"{_RECORD}/StudentReference/StudentLookup/StudentUniqueId",
)
_C_CODE = ("CourseReference/CourseIdentity/CourseCode", "CourseReference/CourseLookup/CourseCode")
_C_EDORG = "CourseReference/CourseIdentity/" + _EDORG_ID
_C_YEAR, _C_TERM = f"{_RECORD}/SchoolYear", f"{_RECORD}/Term"


def course(v: View, lookups: Lookups) -> Fields:
    # The hottest mapping (half of a submission's records): texts read with ``texts.get`` directly, in
    # the order, and with the problems, of the View's methods (``required``, ``text``, ``code``).
    get = v.texts.get
    sid = get(_C_SID[0]) or get(_C_SID[1]) or _missing(_C_SID[0])
    code = get(_C_CODE[0]) or get(_C_CODE[1]) or _missing(_C_CODE[0])
    edorg = get(_C_EDORG)
    year = _school_year(get(_C_YEAR))
    term_text = get(_C_TERM)
    term = (split(term_text)[1] if term_text is not None else "") or ""
    known = lookups.courses.get((edorg or "", code)) or _NO_COURSE
    result = get("CourseAttemptResult") or _missing("CourseAttemptResult")
    fields = {"action": "I", "state_student_id": sid, "course_id": f"{code}:{year or ''}:{term}"}
    if year is not None:
        fields["school_year"] = year
    if term and (term_type := v.code("TermDescriptor", _C_TERM)) is not None:
        fields["term_type"] = term_type
    if (title := get("CourseTitle") or get("CourseReference/CourseLookup/CourseTitle") or known.title) is not None:
        fields["course_title"] = title
    if (subject := v.code("AcademicSubjectDescriptor", "AcademicSubject") or known.subject) is not None:
        fields["subject_area"] = subject
    if known.course_type is not None:
        fields["course_type"] = known.course_type
    if (attempted := _carnegie(v, "AttemptedCredits")) is not None:
        fields["credits_attempted"] = attempted
    if (granted := _carnegie(v, "EarnedCredits")) is not None:
        fields["credits_granted"] = granted
    if (grade := get("FinalLetterGradeEarned") or get("FinalNumericGradeEarned")) is not None:
        fields["final_grade"] = grade
    if result and (in_progress := v.code("CourseAttemptResultDescriptor", "CourseAttemptResult")) is not None:
        fields["in_progress"] = in_progress
    return fields


ASSESSMENT_PATHS = {
    "state_student_id": _STUDENT_REF[0],
    "assessment_id": "StudentAssessmentIdentifier",
    "administration_date": "AdministrationDate",
    "reporting_method": "ScoreResult/AssessmentReportingMethod",
    "score": "ScoreResult/Result",
    "interpretation": "PerformanceLevel/PerformanceLevel",
}


def _score(v: View) -> tuple[str | None, str | None]:
    """(reporting method, score) of the first ScoreResult, the score checked against its data type."""
    r = v.first("ScoreResult")
    if r is None:
        return None, None
    kind = r.code("ResultDatatypeTypeDescriptor", "ResultDatatypeType")
    score = r.required("Result")
    if kind in ("integer", "decimal", "percentage", "percentile"):
        number = r.decimal("Result")
        bad = number is None or (kind == "integer" and number != number.to_integral_value())
        bad = bad or (kind in ("percentage", "percentile") and not Decimal(0) <= (number or 0) <= 100)
        if bad:
            raise ElementProblem("ScoreResult/Result", f"Result {score[:12]!r} is not a valid {kind}")
    return r.code_value("AssessmentReportingMethod"), score


def assessment(v: View, lookups: Lookups) -> Fields:
    sid = student_of(v)
    identifier = v.required(
        "AssessmentReference/AssessmentIdentity/AssessmentIdentifier",
        "AssessmentReference/AssessmentLookup/AssessmentIdentifier",
    )
    namespace = v.text("AssessmentReference/AssessmentIdentity/Namespace") or ""
    known = lookups.assessments.get((identifier, namespace)) or AssessmentDef(None, None, None)
    method, score = _score(v)
    level = v.first("PerformanceLevel")
    return _put(
        {
            "action": "I",
            "state_student_id": sid,
            "assessment_id": f"{identifier}:{v.required('StudentAssessmentIdentifier')}",
        },
        title=known.title,
        content=known.content,
        type=known.type,
        administration_date=v.month("AdministrationDate"),
        reporting_method=method,
        score=score,
        interpretation=level.code_value("PerformanceLevel") if level is not None else None,
    )
