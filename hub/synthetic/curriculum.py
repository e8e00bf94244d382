"""What schools teach and test: high-school courses (by grade) and each state's tests.

Course codes are modelled on SCED; test titles, scales and performance levels on each state's real
assessments. The logic that schedules and scores them is in ``schooling``.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- high-school courses ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseDef:
    """A course of a high-school schedule. ``code`` is a local course number modelled on SCED
    (subject area + three digits); ``subject`` is the real two-digit SCED subject area:
    01 English, 02 mathematics, 03 life and physical sciences, 04 social sciences and history,
    05 fine and performing arts, 08 physical, health and safety education, 10 information
    technology, 12 business and marketing, 14 health care sciences, 18 agriculture, 20 transportation,
    22 miscellaneous (study hall), 23 non-subject-specific, 24 world languages."""

    code: str
    title: str
    subject: str
    course_type: str


def _c(code: str, title: str, course_type: str = "REG") -> CourseDef:
    return CourseDef(code, title, code[:2], course_type)


# fmt: off
COURSES_BY_GRADE: dict[int, tuple[CourseDef, ...]] = {
    9: (
        _c("01001", "English I"), _c("02052", "Algebra I"), _c("03051", "Biology"),
        _c("04001", "World Geography"), _c("08001", "Physical Education I"),
        _c("24052", "Spanish for Spanish Speakers I"), _c("10004", "Computer Applications"),
        _c("18001", "Principles of Agriculture, Food and Natural Resources", "CTE"),
    ),
    10: (
        _c("01002", "English II"), _c("02072", "Geometry"), _c("03101", "Chemistry"),
        _c("04051", "World History"), _c("08051", "Health Education"),
        _c("24053", "Spanish for Spanish Speakers II"), _c("05154", "Art I"),
        _c("12001", "Business Information Management", "CTE"),
    ),
    11: (
        _c("01003", "English III"), _c("02056", "Algebra II"), _c("03151", "Physics"),
        _c("04101", "U.S. History"), _c("24057", "AP Spanish Language and Culture", "AP"),
        _c("05155", "Art II"), _c("20103", "Automotive Technology I", "CTE"), _c("22003", "Study Hall"),
    ),
    12: (
        _c("01004", "English IV"), _c("02110", "Precalculus"), _c("03003", "Environmental Science"),
        _c("04151", "U.S. Government"), _c("04201", "Economics"),
        _c("01051", "Composition I", "DUAL"), _c("14001", "Health Science Theory", "CTE"),
        _c("23001", "College and Career Readiness Seminar"),
    ),
}
# fmt: on

HONORS_TITLES: frozenset[str] = frozenset({"English I", "English II", "Algebra II", "Chemistry", "Geometry"})

CREDIT_RECOVERY: tuple[CourseDef, ...] = (
    _c("01001", "English I Credit Recovery", "REM"),
    _c("01002", "English II Credit Recovery", "REM"),
    _c("02052", "Algebra I Credit Recovery", "REM"),
    _c("04101", "U.S. History Credit Recovery", "REM"),
)

ELD_COURSE = _c("01007", "English Language Development", "REM")

# --- state tests -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestSuite:
    """How a state names, scores and interprets its tests. Titles take ``{g}`` for the grade."""

    __test__ = False  # not a pytest test class, whatever its name

    math: str
    reading: str
    reading_content: str
    science: str
    elp: str
    levels: tuple[str, ...]
    elp_levels: tuple[str, ...]
    scale: tuple[int, int]
    eoc: tuple[tuple[str, str, str], ...] = ()
    """(course title that triggers it, test title, content)."""


_WIDA = ("Entering", "Emerging", "Developing", "Expanding", "Bridging", "Reaching")
_LEVELS4 = ("Level 1", "Level 2", "Level 3", "Level 4")

# fmt: off
TESTS: dict[str, TestSuite] = {
    "TX": TestSuite(
        "STAAR Grade {g} Mathematics", "STAAR Grade {g} Reading Language Arts", "READ",
        "STAAR Grade {g} Science", "TELPAS",
        ("Did Not Meet Grade Level", "Approaches Grade Level", "Meets Grade Level", "Masters Grade Level"),
        ("Beginning", "Intermediate", "Advanced", "Advanced High"), (1200, 2100),
        (("Algebra I", "STAAR Algebra I EOC", "MATH"), ("Biology", "STAAR Biology EOC", "SCI"),
         ("English I", "STAAR English I EOC", "ELA"), ("English II", "STAAR English II EOC", "ELA"),
         ("U.S. History", "STAAR U.S. History EOC", "SS")),
    ),
    "CA": TestSuite(
        "CAASPP Smarter Balanced Mathematics Grade {g}", "CAASPP Smarter Balanced ELA Grade {g}", "ELA",
        "CAST Science Grade {g}", "Summative ELPAC",
        ("Standard Not Met", "Standard Nearly Met", "Standard Met", "Standard Exceeded"),
        ("Minimally Developed", "Somewhat Developed", "Moderately Developed", "Well Developed"), (2100, 2800),
    ),
    "FL": TestSuite(
        "FAST Grade {g} Mathematics", "FAST Grade {g} ELA Reading", "READ",
        "Statewide Science Assessment Grade {g}", "ACCESS for ELLs",
        ("Level 1", "Level 2", "Level 3", "Level 4", "Level 5"), _WIDA, (150, 400),
        (("Algebra I", "B.E.S.T. Algebra 1 EOC", "MATH"), ("Biology", "Biology 1 EOC", "SCI")),
    ),
    "WA": TestSuite(
        "Smarter Balanced Math Grade {g}", "Smarter Balanced ELA Grade {g}", "ELA",
        "WCAS Science Grade {g}", "ACCESS for ELLs", _LEVELS4, _WIDA, (2100, 2800),
    ),
    "MI": TestSuite(
        "M-STEP Grade {g} Mathematics", "M-STEP Grade {g} ELA", "ELA", "M-STEP Grade {g} Science",
        "WIDA ACCESS for ELLs", ("Not Proficient", "Partially Proficient", "Proficient", "Advanced"),
        _WIDA, (1200, 1900),
    ),
    "NC": TestSuite(
        "NC EOG Grade {g} Mathematics", "NC EOG Grade {g} Reading", "READ", "NC EOG Grade {g} Science",
        "ACCESS for ELLs", ("Not Proficient", "Level 3", "Level 4", "Level 5"), _WIDA, (530, 580),
        (("Algebra I", "NC EOC Math 1", "MATH"), ("Biology", "NC EOC Biology", "SCI"),
         ("English II", "NC EOC English II", "ELA")),
    ),
    "OR": TestSuite(
        "OSAS Mathematics Grade {g}", "OSAS ELA Grade {g}", "ELA", "OSAS Science Grade {g}", "ELPA21",
        _LEVELS4, ("Emerging", "Progressing", "Proficient"), (2100, 2800),
    ),
    "GA": TestSuite(
        "Georgia Milestones EOG Grade {g} Mathematics", "Georgia Milestones EOG Grade {g} ELA", "ELA",
        "Georgia Milestones EOG Grade {g} Science", "ACCESS for ELLs",
        ("Beginning Learner", "Developing Learner", "Proficient Learner", "Distinguished Learner"),
        _WIDA, (350, 700),
        (("Algebra I", "Georgia Milestones Algebra EOC", "MATH"),
         ("Biology", "Georgia Milestones Biology EOC", "SCI"),
         ("U.S. History", "Georgia Milestones US History EOC", "SS")),
    ),
    "ID": TestSuite(
        "ISAT Mathematics Grade {g}", "ISAT ELA Grade {g}", "ELA", "ISAT Science Grade {g}",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (2100, 2800),
    ),
    "NY": TestSuite(
        "NYS Grade {g} Mathematics", "NYS Grade {g} English Language Arts", "ELA", "NYS Grade {g} Science",
        "NYSESLAT", _LEVELS4, ("Entering", "Emerging", "Transitioning", "Expanding", "Commanding"),
        (370, 480),
        (("Algebra I", "Regents Algebra I", "MATH"), ("Biology", "Regents Life Science: Biology", "SCI"),
         ("English III", "Regents English Language Arts", "ELA"),
         ("U.S. History", "Regents U.S. History and Government", "SS")),
    ),
    "AZ": TestSuite(
        "AASA Math Grade {g}", "AASA ELA Grade {g}", "ELA", "AzSCI Grade {g}", "AZELLA",
        ("Minimally Proficient", "Partially Proficient", "Proficient", "Highly Proficient"),
        ("Pre-Emergent", "Emergent", "Basic", "Intermediate", "Proficient"), (2400, 2700),
    ),
    "OH": TestSuite(
        "Ohio State Test Grade {g} Mathematics", "Ohio State Test Grade {g} ELA", "ELA",
        "Ohio State Test Grade {g} Science", "OELPA",
        ("Limited", "Basic", "Proficient", "Accomplished", "Advanced"),
        ("Emerging", "Progressing", "Proficient"), (545, 850),
    ),
    "PA": TestSuite(
        "PSSA Grade {g} Mathematics", "PSSA Grade {g} ELA", "ELA", "PSSA Grade {g} Science",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (700, 1900),
    ),
    "MN": TestSuite(
        "MCA Grade {g} Mathematics", "MCA Grade {g} Reading", "READ", "MCA Grade {g} Science",
        "ACCESS for ELLs", ("Does Not Meet", "Partially Meets", "Meets", "Exceeds"), _WIDA, (300, 399),
    ),
    "CO": TestSuite(
        "CMAS Grade {g} Mathematics", "CMAS Grade {g} ELA", "ELA", "CMAS Grade {g} Science",
        "ACCESS for ELLs",
        ("Did Not Yet Meet", "Partially Met", "Approached", "Met", "Exceeded"), _WIDA, (650, 850),
    ),
}
# fmt: on
