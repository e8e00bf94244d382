"""The descriptor tables are data: every code they give must be one the contract knows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors import codes
from connectors.edfi.descriptors import Unmapped, split, tables

ALLOWED: dict[str, frozenset[str]] = {
    "GradeLevelDescriptor": codes.GRADE_LEVEL,
    "SexDescriptor": codes.SEX,
    "EnrollmentTypeDescriptor": codes.ENROLLMENT_TYPE,
    "AcademicSubjectDescriptor": frozenset(f"{n:02d}" for n in range(1, 25)),
    "AssessmentContent": codes.CONTENT,
    "AssessmentCategoryDescriptor": codes.ASSESSMENT_TYPE,
    "ResultDatatypeTypeDescriptor": frozenset({"integer", "decimal", "percentage", "percentile", "text"}),
    "TermDescriptor": codes.TERM_TYPE,
    "LimitedEnglishProficiencyDescriptor": codes.YES_NO,
    "CourseAttemptResultDescriptor": codes.YES_NO,
    "CourseLevelCharacteristicDescriptor": codes.COURSE_TYPE,
}


def test_every_table_is_checked() -> None:
    assert set(tables().by_name) == set(ALLOWED) | {"CreditTypeDescriptor"}


@pytest.mark.parametrize("table", sorted(ALLOWED))
def test_every_code_is_one_of_the_contract(table: str) -> None:
    given = set(tables().by_name[table].values()) - {""}
    assert given and given <= ALLOWED[table]


def test_credit_types_are_factors() -> None:
    for factor in tables().by_name["CreditTypeDescriptor"].values():
        assert factor == "" or Decimal(0) < Decimal(factor) <= 1


def test_lookup_ignores_authority_and_case_and_checks_the_descriptor() -> None:
    t = tables()
    assert t.code("GradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Kindergarten") == "KG"
    assert t.code("GradeLevelDescriptor", "uri://cde.ca.gov/GradeLevelDescriptor#KINDERGARTEN") == "KG"
    assert t.code("GradeLevelDescriptor", "Kindergarten") == "KG"  # a bare code value
    assert t.code("GradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Postsecondary") is None
    with pytest.raises(Unmapped, match="is a SexDescriptor, not a GradeLevelDescriptor"):
        t.code("GradeLevelDescriptor", "uri://ed-fi.org/SexDescriptor#Male")
    with pytest.raises(Unmapped, match="'Grade 14' maps to no code"):
        t.code("GradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Grade 14")
    with pytest.raises(Unmapped, match="maps to no code"):  # an unmapped value stays unmapped once memoized
        t.code("GradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Grade 14")
    assert split("uri://ed-fi.org/TermDescriptor#Fall Semester") == ("TermDescriptor", "Fall Semester")


def test_carnegie_factors() -> None:
    t = tables()
    assert t.carnegie_factor(None) == 1
    assert t.carnegie_factor("uri://ed-fi.org/CreditTypeDescriptor#Semester hour credit") == Decimal("0.333")
    with pytest.raises(Unmapped, match="no fixed Carnegie conversion"):
        t.carnegie_factor("uri://ed-fi.org/CreditTypeDescriptor#Other")
