"""The code lists of the outside contract (docs: CONTRACT.md, "The MDE submission"), in one place.

Every connector validates against these sets; nothing else in the hub should spell a code list out.
Codes are matched exactly (upper case, leading zeros kept): ``"01"`` is a code, ``"1"`` is not.
"""

from __future__ import annotations

from producers import topics

ACTION = frozenset({"I", "U", "D"})
"""I insert, U update, D delete."""

YES_NO = frozenset({"Y", "N"})
"""Every flag column."""

SEX = frozenset({"F", "M", "X"})

STATE_STUDENT_ID_TYPE = frozenset({"01", "02"})
"""01 state id, 02 MEP id."""

ENROLLMENT_TYPE = frozenset({"01", "02", "03", "04"})
"""01 basic school, 02 residency only, 03 MEP summer or intersession, 04 MEP year-round project."""

GRADE_LEVEL = frozenset({"PK", "KG", *(f"{g:02d}" for g in range(1, 13)), "UG", "OS"})
"""PK, KG, 01..12, UG ungraded, OS out of school."""

MEDICAL_ALERT = frozenset({"N", "C", "A"})
"""N none, C chronic, A acute."""

TERM_TYPE = frozenset({"FY", "S1", "S2", "T1", "T2", "T3", "Q1", "Q2", "Q3", "Q4", "SUM", "OTH"})

COURSE_TYPE = frozenset({"REG", "HON", "AP", "IB", "DUAL", "CTE", "REM", "OTH"})

CONTENT = frozenset({"READ", "ELA", "MATH", "SCI", "SS", "WRIT", "ELP", "OTH"})
"""The content area of an assessment."""

ASSESSMENT_TYPE = frozenset({"01", "02", "03", "04", "05"})
"""01 state, 02 district, 03 end of course, 04 English language proficiency, 05 other."""

USPS = frozenset(topics.USPS_CODES)
"""Two-letter USPS codes of the states, DC and the territories (the list lives with the topics)."""
