"""What a child's schools record besides enrollments: high-school courses and state tests.

Courses follow the state's terms (semesters, 4x4 block, trimesters, full year); a child who leaves
mid-term gets partial work (and, in some states, partial credit), and the next state may copy the
courses the child brings as transfers. Tests are given where the child happens to be on test day.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date

from hub.synthetic.calendars import CALENDARS, next_submission, on, school_year_of
from hub.synthetic.curriculum import COURSES_BY_GRADE, CREDIT_RECOVERY, ELD_COURSE, HONORS_TITLES, TESTS, CourseDef
from hub.synthetic.draws import DAY, between, days_between, noise
from hub.synthetic.people import Child
from hub.synthetic.stays import Stay


@dataclass(frozen=True, slots=True)
class CourseFact:
    """A course on a transcript: in progress (``progress_known``), then finished or left mid-term
    (``done_known``). A transfer is a course the next state copies from the one before."""

    stay: int
    """Ordinal of the stay whose state reports it."""
    course_id: str
    school_id: str
    course: CourseDef
    course_type: str
    term: str
    credits: str
    score: int
    progress_known: date | None
    done_known: date | None
    completed: bool
    granted: str
    clock_hours: str = ""
    transfer: bool = False


@dataclass(frozen=True, slots=True)
class TestFact:
    __test__ = False  # not a pytest test class, whatever its name

    stay: int
    assessment_id: str
    title: str
    content: str
    type: str
    month: date
    score: str
    interpretation: str
    known: date
    deleted_known: date | None


def _terms(state: str, year: int) -> list[tuple[str, date, date, str]]:
    """(term, first day, last day, credits) of a high-school year in ``state``."""
    cal = CALENDARS[state]
    first, last = on(year, cal.start), on(year, cal.end)
    fall, spring = date(year, 12, 19), date(year + 1, 1, 6)
    if cal.terms == "T":
        mid = (date(year, 12, 1), date(year + 1, 3, 6))
        return [
            ("T1", first, date(year, 11, 21), "0.5"),
            ("T2", *mid, "0.5"),
            ("T3", date(year + 1, 3, 9), last, "0.5"),
        ]
    if cal.terms == "FY":
        return [("FY", first, last, "1.0")]
    credits = "1.0" if cal.terms == "B" else "0.5"
    return [("S1", first, fall, credits), ("S2", spring, last, credits)]


def _timetable(rng: random.Random, child: Child) -> list[tuple[CourseDef, str]]:
    """The courses a high-school child takes this year, with their course type."""
    catalog = COURSES_BY_GRADE[int(child.grade)]
    picks = [*catalog[:5], *rng.sample(catalog[5:], 2)]
    if child.lep and child.grade in ("09", "10"):
        picks[-1] = ELD_COURSE
    honors = child.ability > 0.7 and rng.random() < 0.5
    return [(c, "HON" if honors and c.title in HONORS_TITLES else c.course_type) for c in picks]


def _in_term(timetable: list[tuple[CourseDef, str]], terms: str, term: str) -> list[tuple[CourseDef, str]]:
    if terms == "B":  # 4x4 block: four courses in the fall, the others in the spring
        return timetable[:4] if term == "S1" else timetable[4:]
    return timetable if terms == "S" else timetable[:6]


def _score(rng: random.Random, child: Child) -> int:
    return min(max(round(50 + 45 * child.ability + noise(rng) * 14), 30), 100)


def courses_for(rng: random.Random, child: Child, stays: list[Stay], year: int) -> tuple[CourseFact, ...]:
    """High-school courses of each stay, then the transfers a receiving state copies."""
    if not child.in_high_school:
        return ()
    timetable = _timetable(rng, child)
    facts: list[CourseFact] = []
    for stay in stays:
        if stay.enrollment_type == "03":
            facts.extend(_credit_recovery(rng, child, stay, year))
        elif stay.enrollment_type == "01":
            facts.extend(_school_courses(rng, child, stay, year, timetable))
    for before, after in itertools.pairwise(stays):
        moved = before.state != after.state and after.enrollment_type == "01"
        if moved and rng.random() < CALENDARS[after.state].transfers:
            facts.extend(_transfers(rng, [f for f in facts if f.stay == before.ordinal], before, after))
    return tuple(facts)


def _school_courses(
    rng: random.Random, child: Child, stay: Stay, year: int, timetable: list[tuple[CourseDef, str]]
) -> list[CourseFact]:
    cal = CALENDARS[stay.state]
    facts: list[CourseFact] = []
    for term, first, last, credits in _terms(stay.state, year):
        begin = max(first, stay.start)
        end = last if stay.left is None else min(last, stay.left)
        if (end - begin).days < 10:
            continue
        full = stay.stayed_to(last)
        for course, ctype in _in_term(timetable, cal.terms, term):
            score = _score(rng, child)
            passed = score >= (70 if cal.numeric_grades else 60)
            hours = "0.0" if course.subject == "22" else credits
            progress = begin + 14 * DAY if begin + 14 * DAY < end else None  # first progress report
            course_id = _course_id(stay, course, term)
            if full:
                done, granted, clock = last + days_between(rng, 3, 10), hours if passed else "0.0", ""
            elif stay.withdrawn_known is not None:  # left mid-term: partial work, maybe partial credit
                partial = cal.partial_credit and passed and hours != "0.0"
                done, granted = stay.withdrawn_known, (f"{float(hours) / 2:.2f}" if partial else "0.0")
                clock = f"{(end - begin).days * 5 / 7 * 0.9:.1f}"
            else:  # the state left the enrollment open: the course stays in progress there
                done, granted, clock = None, "", ""
            facts.append(
                CourseFact(stay.ordinal, course_id, stay.school.nces_school_id, course, ctype, term, hours,
                           score, progress, done, full, granted, clock)
            )  # fmt: skip
    return facts


def _credit_recovery(rng: random.Random, child: Child, stay: Stay, year: int) -> list[CourseFact]:
    if rng.random() > 0.6:
        return []
    course = rng.choice(CREDIT_RECOVERY)
    last = on(year, CALENDARS[stay.state].summer[1])
    full = stay.stayed_to(last)
    done = last + days_between(rng, 2, 7) if full else stay.withdrawn_known
    score = _score(rng, child)
    course_id = _course_id(stay, course, "SUM")
    return [
        CourseFact(stay.ordinal, course_id, stay.school.nces_school_id, course, "REM", "SUM", "0.5", score,
                   stay.start + 7 * DAY, done, full, "0.5" if full and score >= 60 else "0.0",
                   f"{between(rng, 40, 90)}.0")
    ]  # fmt: skip


def _course_id(stay: Stay, course: CourseDef, term: str) -> str:
    return f"{stay.school.nces_school_id[-5:]}-{course.code}-{term}{stay.ordinal}"


def _transfers(rng: random.Random, facts: list[CourseFact], before: Stay, after: Stay) -> list[CourseFact]:
    """The receiving state records the courses the child brings (same course, reported twice)."""
    copied = []
    for fact in facts:
        if fact.done_known is None:
            continue
        known = max(after.enrolled_known + days_between(rng, 7, 30), fact.done_known + DAY)
        course_id = f"TR-{before.state}-{fact.course.code}-{fact.term}"
        copied.append(
            CourseFact(after.ordinal, course_id, fact.school_id, fact.course, fact.course_type, fact.term,
                       fact.credits, fact.score, None, known, fact.completed, fact.granted, fact.clock_hours, True)
        )  # fmt: skip
    return copied


def tests_for(
    rng: random.Random,
    child: Child,
    stays: list[Stay],
    year: int,
    through: date,
    courses: tuple[CourseFact, ...],
) -> tuple[TestFact, ...]:
    """State tests in spring, end-of-course tests, and English proficiency tests for English learners."""
    facts: list[TestFact] = []
    for stay in stays:
        if stay.enrollment_type != "01":
            continue
        suite, cal = TESTS[stay.state], CALENDARS[stay.state]
        spring = date(year + 1, cal.test_month, 15)
        due: list[tuple[str, str, str, tuple[str, ...]]] = []
        grade = child.grade_number
        if grade is not None and stay.present_on(spring):
            if 3 <= grade <= 8 or (grade == 11 and not suite.eoc):
                due.append((suite.math.format(g=grade), "MATH", "01", suite.levels))
                due.append((suite.reading.format(g=grade), suite.reading_content, "01", suite.levels))
            if grade in (5, 8):
                due.append((suite.science.format(g=grade), "SCI", "01", suite.levels))
            titles = {c.course.title for c in courses if c.stay == stay.ordinal}
            due.extend(
                (title, content, "03", suite.levels) for trigger, title, content in suite.eoc if trigger in titles
            )
        elp_day = date(year + 1, cal.elp_month, 10)
        if child.lep and child.grade not in ("PK", "OS") and stay.present_on(elp_day):
            due.append((suite.elp, "ELP", "04", suite.elp_levels))
        for title, content, kind, levels in due:
            day = elp_day if kind == "04" else spring
            facts.append(_test(rng, child, stay, (title, content, kind, levels), day, through))
    return tuple(facts)


def _test(
    rng: random.Random,
    child: Child,
    stay: Stay,
    test: tuple[str, str, str, tuple[str, ...]],
    day: date,
    through: date,
) -> TestFact:
    title, content, kind, levels = test
    low, high = TESTS[stay.state].scale
    share = min(max(child.ability + noise(rng) * 0.2, 0.0), 0.999)
    score = "" if kind == "04" else str(round(low + share * (high - low)))
    if kind == "04":  # proficiency tests report a composite level like 3.4
        score = f"{1 + share * (len(levels) - 1):.1f}"
    known = day + days_between(rng, 35, 70)
    deleted = None
    if rng.random() < 0.015:  # attributed to the wrong child, deleted a month later
        sent = next_submission(stay.state, school_year_of(day), through, known)
        deleted = sent + days_between(rng, 1, 9) if sent else None
    test_id = f"{kind}-{content}-{day:%Y%m}"
    return TestFact(stay.ordinal, test_id, title, content, kind, day.replace(day=1), score,
                    levels[int(share * len(levels))], known, deleted)  # fmt: skip
