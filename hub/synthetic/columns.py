"""The contract's columns of the four files of an MDE submission, in the contract's order.

Rows are built as tuples in this order (``versions``); each state's header and column order are in
``profiles.columns_of``.
"""

from __future__ import annotations

# fmt: off
STUDENT_COLUMNS: tuple[str, ...] = (
    "action", "state_student_id", "state_student_id_type", "msix_id", "first_name", "middle_name",
    "last_name_1", "last_name_2", "suffix", "sex", "birth_date", "multiple_birth", "birth_city",
    "birth_state", "birth_country", "parent1_first_name", "parent1_last_name", "parent2_first_name",
    "parent2_last_name", "qad", "move_from_city", "move_from_state", "move_from_country", "move_to_city",
    "move_to_state", "eligibility_expiration_date",
)
ENROLLMENT_COLUMNS: tuple[str, ...] = (
    "action", "state_student_id", "enrollment_id", "enrollment_date", "withdrawal_date", "enrollment_type",
    "school_name", "nces_school_id", "nces_district_id", "district_name", "facility_city", "facility_state",
    "grade_level", "lep", "iep", "pfs", "medical_alert", "immunization_record", "residency_date",
    "designated_graduation_school", "graduation_date", "algebra1_or_equivalent", "comment",
)
COURSE_COLUMNS: tuple[str, ...] = (
    "action", "state_student_id", "course_id", "school_year", "term_type", "course_title", "subject_area",
    "course_type", "course_section", "credits_attempted", "credits_granted", "final_grade", "clock_hours",
    "grade_to_date", "in_progress", "nces_school_id",
)
ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "action", "state_student_id", "assessment_id", "title", "content", "type", "administration_date",
    "reporting_method", "score", "interpretation",
)
# fmt: on
COLUMNS: dict[str, tuple[str, ...]] = {
    "students.csv": STUDENT_COLUMNS,
    "enrollments.csv": ENROLLMENT_COLUMNS,
    "courses.csv": COURSE_COLUMNS,
    "assessments.csv": ASSESSMENT_COLUMNS,
}
FILES: tuple[str, ...] = tuple(COLUMNS)
STUDENTS, ENROLLMENTS, COURSES, ASSESSMENTS = range(4)
