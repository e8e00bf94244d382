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
    # The other MEP states (hub.synthetic.benchmark.NATIONAL_STATES).
    "AL": TestSuite(
        "ACAP Grade {g} Mathematics", "ACAP Grade {g} English Language Arts", "ELA", "ACAP Grade {g} Science",
        "ACCESS for ELLs", _LEVELS4, _WIDA, (300, 800),
    ),
    "AK": TestSuite(
        "AK STAR Grade {g} Mathematics", "AK STAR Grade {g} English Language Arts", "ELA",
        "Alaska Science Assessment Grade {g}", "ACCESS for ELLs",
        ("Needs Support", "Approaching Proficient", "Proficient", "Advanced"), _WIDA, (1000, 1999),
    ),
    "AR": TestSuite(
        "ATLAS Grade {g} Mathematics", "ATLAS Grade {g} ELA", "ELA", "ATLAS Grade {g} Science", "ELPA21",
        _LEVELS4, ("Emerging", "Progressing", "Proficient"), (300, 600),
    ),
    "CT": TestSuite(
        "Smarter Balanced Mathematics Grade {g}", "Smarter Balanced ELA Grade {g}", "ELA",
        "NGSS Science Assessment Grade {g}", "LAS Links",
        ("Not Met", "Approaching", "Met", "Exceeded"), ("Beginning", "Early Intermediate", "Intermediate",
        "Proficient", "Above Proficient"), (2100, 2800),
    ),
    "DE": TestSuite(
        "DeSSA Smarter Mathematics Grade {g}", "DeSSA Smarter ELA Grade {g}", "ELA", "DeSSA Science Grade {g}",
        "ACCESS for ELLs", _LEVELS4, _WIDA, (2100, 2800),
    ),
    "IL": TestSuite(
        "IAR Mathematics Grade {g}", "IAR English Language Arts Grade {g}", "ELA", "ISA Science Grade {g}",
        "ACCESS for ELLs",
        ("Did Not Yet Meet", "Partially Met", "Approached", "Met", "Exceeded"), _WIDA, (650, 850),
    ),
    "IN": TestSuite(
        "ILEARN Grade {g} Mathematics", "ILEARN Grade {g} English/Language Arts", "ELA",
        "ILEARN Grade {g} Science", "WIDA ACCESS for ELLs",
        ("Below Proficiency", "Approaching Proficiency", "At Proficiency", "Above Proficiency"), _WIDA,
        (5000, 7000), (("Biology", "ILEARN Biology", "SCI"),),
    ),
    "IA": TestSuite(
        "ISASP Grade {g} Mathematics", "ISASP Grade {g} English Language Arts", "ELA", "ISASP Grade {g} Science",
        "ELPA21", ("Not Yet Proficient", "Proficient", "Advanced"), ("Emerging", "Progressing", "Proficient"),
        (300, 800),
    ),
    "KS": TestSuite(
        "KAP Grade {g} Mathematics", "KAP Grade {g} English Language Arts", "ELA", "KAP Grade {g} Science",
        "KELPA", _LEVELS4, ("Level 1", "Level 2", "Level 3", "Level 4"), (220, 380),
    ),
    "KY": TestSuite(
        "KSA Grade {g} Mathematics", "KSA Grade {g} Reading", "READ", "KSA Grade {g} Science", "ACCESS for ELLs",
        ("Novice", "Apprentice", "Proficient", "Distinguished"), _WIDA, (100, 300),
    ),
    "LA": TestSuite(
        "LEAP 2025 Grade {g} Mathematics", "LEAP 2025 Grade {g} ELA", "ELA", "LEAP 2025 Grade {g} Science",
        "ELPT", ("Unsatisfactory", "Approaching Basic", "Basic", "Mastery", "Advanced"),
        ("Emerging", "Progressing", "Proficient"), (650, 850),
        (("Algebra I", "LEAP 2025 Algebra I", "MATH"), ("Biology", "LEAP 2025 Biology", "SCI"),
         ("English I", "LEAP 2025 English I", "ELA")),
    ),
    "ME": TestSuite(
        "Maine Through Year Assessment Grade {g} Mathematics", "Maine Through Year Assessment Grade {g} Reading",
        "READ", "Maine Science Assessment Grade {g}", "ACCESS for ELLs",
        ("Well Below State Expectations", "Below State Expectations", "At State Expectations",
         "Above State Expectations"), _WIDA, (100, 300),
    ),
    "MD": TestSuite(
        "MCAP Grade {g} Mathematics", "MCAP Grade {g} English Language Arts", "ELA", "MISA Grade {g} Science",
        "ACCESS for ELLs", _LEVELS4, _WIDA, (650, 850),
        (("Algebra I", "MCAP Algebra I", "MATH"), ("English II", "MCAP English 10", "ELA")),
    ),
    "MA": TestSuite(
        "MCAS Grade {g} Mathematics", "MCAS Grade {g} English Language Arts", "ELA",
        "MCAS Grade {g} Science and Technology/Engineering", "ACCESS for ELLs",
        ("Not Meeting Expectations", "Partially Meeting Expectations", "Meeting Expectations",
         "Exceeding Expectations"), _WIDA, (440, 560),
    ),
    "MS": TestSuite(
        "MAAP Grade {g} Mathematics", "MAAP Grade {g} English Language Arts", "ELA", "MAAP Grade {g} Science",
        "LAS Links", ("Minimal", "Basic", "Pass", "Proficient", "Advanced"),
        ("Beginning", "Early Intermediate", "Intermediate", "Proficient", "Above Proficient"), (100, 199),
        (("Algebra I", "MAAP Algebra I", "MATH"), ("Biology", "MAAP Biology", "SCI"),
         ("U.S. History", "MAAP U.S. History", "SS")),
    ),
    "MO": TestSuite(
        "MAP Grade {g} Mathematics", "MAP Grade {g} English Language Arts", "ELA", "MAP Grade {g} Science",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (200, 800),
        (("Algebra I", "MAP Algebra I EOC", "MATH"), ("Biology", "MAP Biology EOC", "SCI")),
    ),
    "MT": TestSuite(
        "MAST Mathematics Grade {g}", "MAST English Language Arts Grade {g}", "ELA", "MSA Science Grade {g}",
        "ACCESS for ELLs", ("Novice", "Nearing Proficient", "Proficient", "Advanced"), _WIDA, (2100, 2800),
    ),
    "NE": TestSuite(
        "NSCAS Grade {g} Mathematics", "NSCAS Grade {g} English Language Arts", "ELA", "NSCAS Grade {g} Science",
        "ELPA21", ("Developing", "On Track", "Advanced"), ("Emerging", "Progressing", "Proficient"),
        (2000, 2800),
    ),
    "NV": TestSuite(
        "SBAC Mathematics Grade {g}", "SBAC ELA Grade {g}", "ELA", "Nevada Science Grade {g}", "WIDA ACCESS for ELLs",
        ("Emergent/Developing", "Approaches Standard", "Meets Standard", "Exceeds Standard"), _WIDA,
        (2100, 2800),
    ),
    "NJ": TestSuite(
        "NJSLA Mathematics Grade {g}", "NJSLA English Language Arts Grade {g}", "ELA", "NJSLA Science Grade {g}",
        "ACCESS for ELLs",
        ("Not Yet Meeting Expectations", "Partially Meeting Expectations", "Approaching Expectations",
         "Meeting Expectations", "Exceeding Expectations"), _WIDA, (650, 850),
        (("Algebra I", "NJSLA Algebra I", "MATH"),),
    ),
    "NM": TestSuite(
        "NM-MSSA Grade {g} Mathematics", "NM-MSSA Grade {g} Reading", "READ", "NM-ASR Grade {g} Science",
        "ACCESS for ELLs", ("Novice", "Nearing Proficiency", "Proficient", "Advanced"), _WIDA, (1000, 1999),
    ),
    "ND": TestSuite(
        "NDSA Grade {g} Mathematics", "NDSA Grade {g} English Language Arts", "ELA", "NDSA Grade {g} Science",
        "ACCESS for ELLs", ("Novice", "Partially Proficient", "Proficient", "Advanced"), _WIDA, (500, 900),
    ),
    "OK": TestSuite(
        "OSTP Grade {g} Mathematics", "OSTP Grade {g} English Language Arts", "ELA", "OSTP Grade {g} Science",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (200, 399),
    ),
    "SC": TestSuite(
        "SC READY Grade {g} Mathematics", "SC READY Grade {g} English Language Arts", "ELA",
        "SCPASS Grade {g} Science", "ACCESS for ELLs",
        ("Does Not Meet Expectations", "Approaches Expectations", "Meets Expectations",
         "Exceeds Expectations"), _WIDA, (300, 900),
        (("Algebra I", "SC EOCEP Algebra 1", "MATH"), ("Biology", "SC EOCEP Biology 1", "SCI"),
         ("English II", "SC EOCEP English 2", "ELA"), ("U.S. History", "SC EOCEP U.S. History", "SS")),
    ),
    "SD": TestSuite(
        "SD-ESA Mathematics Grade {g}", "SD-ESA ELA Grade {g}", "ELA", "SD-SA Science Grade {g}",
        "ACCESS for ELLs", _LEVELS4, _WIDA, (2100, 2800),
    ),
    "TN": TestSuite(
        "TCAP Grade {g} Mathematics", "TCAP Grade {g} English Language Arts", "ELA", "TCAP Grade {g} Science",
        "WIDA ACCESS for ELLs", ("Below", "Approaching", "Met Expectations", "Exceeded Expectations"), _WIDA,
        (200, 450),
        (("Algebra I", "TCAP Algebra I EOC", "MATH"), ("Biology", "TCAP Biology EOC", "SCI"),
         ("English II", "TCAP English II EOC", "ELA"), ("U.S. History", "TCAP U.S. History EOC", "SS")),
    ),
    "UT": TestSuite(
        "RISE Grade {g} Mathematics", "RISE Grade {g} English Language Arts", "ELA", "RISE Grade {g} Science",
        "WIDA ACCESS for ELLs", ("Below Proficient", "Approaching Proficient", "Proficient", "Highly Proficient"),
        _WIDA, (100, 300),
    ),
    "VT": TestSuite(
        "VTCAP Mathematics Grade {g}", "VTCAP ELA Grade {g}", "ELA", "VTCAP Science Grade {g}", "ACCESS for ELLs",
        _LEVELS4, _WIDA, (2100, 2800),
    ),
    "VA": TestSuite(
        "SOL Grade {g} Mathematics", "SOL Grade {g} Reading", "READ", "SOL Grade {g} Science", "ACCESS for ELLs",
        ("Fail/Below Basic", "Fail/Basic", "Pass/Proficient", "Pass/Advanced"), _WIDA, (0, 600),
        (("Algebra I", "SOL Algebra I EOC", "MATH"), ("Biology", "SOL Biology EOC", "SCI"),
         ("English III", "SOL EOC Reading", "ELA")),
    ),
    "WI": TestSuite(
        "Wisconsin Forward Exam Grade {g} Mathematics", "Wisconsin Forward Exam Grade {g} ELA", "ELA",
        "Wisconsin Forward Exam Grade {g} Science", "ACCESS for ELLs",
        ("Developing", "Approaching", "Meeting", "Advanced"), _WIDA, (400, 800),
    ),
    "WY": TestSuite(
        "WY-TOPP Grade {g} Mathematics", "WY-TOPP Grade {g} English Language Arts", "ELA",
        "WY-TOPP Grade {g} Science", "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"),
        _WIDA, (200, 900),
    ),
}
# fmt: on
