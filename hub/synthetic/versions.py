"""One child's records in one state, as dated versions: what the state's system knows, and when.

A version is a record's row as of the day the state knows it (``known``), or None once the state
deletes the record. Each version also says whether a bad row may be made of it: never of the rows a
move notice depends on (see ``rows``).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from hub.synthetic.calendars import CALENDARS
from hub.synthetic.columns import ASSESSMENTS, COURSES, ENROLLMENTS, STUDENTS
from hub.synthetic.people import Child, enrollment_id, state_id_type, state_student_id
from hub.synthetic.profiles import Speller, speller
from hub.synthetic.schooling import CourseFact, TestFact
from hub.synthetic.stays import Stay
from hub.synthetic.world import Life

# A version of a record: (known, order, file, key, values or None for a delete, may spoil).
# ``values`` are the row's cells after ``action``, in the contract's column order.
Version = tuple[date, int, int, str, tuple[str, ...] | None, bool]


@cache
def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _expires(qad: date) -> date:
    """Eligibility lasts 36 months from the qualifying arrival date."""
    try:
        return qad.replace(year=qad.year + 3) - timedelta(days=1)
    except ValueError:  # February 29th
        return date(qad.year + 3, 2, 28)


def _student_versions(life: Life, state: str, sid: str, stays: list[Stay], spell: Speller) -> list[Version]:
    child, family, prof = life.child, life.family, spell.prof
    last_1, last_2 = child.last_name_1, child.last_name_2
    if prof.surnames == "paternal":
        last_2 = ""
    elif prof.surnames == "joined":
        last_1, last_2 = f"{last_1} {last_2}".strip(), ""
    # One child in ten is first reported without the second parent, added a few weeks later.
    late_parent = bool(family.parent2_first) and (child.key * 7 + sum(map(ord, state))) % 10 == 0
    head = (
        sid, state_id_type(state), "", spell[child.first_name],
        spell[child.middle_name] if prof.middle else "", spell[last_1], spell[last_2], child.suffix,
        child.sex, _iso(child.birth_date), _yn(child.multiple_birth),
        spell[child.birth_city], spell[child.birth_state], child.birth_country,
        spell[family.parent1_first], spell[family.parent1_last],
    )  # fmt: skip
    parent2 = (spell[family.parent2_first], spell[family.parent2_last])

    def snapshot(stay: Stay, to: tuple[str, str], with_parent2: bool) -> tuple[str, ...]:
        qad = stay.arrived
        city, region, country = stay.move_from
        return (
            *head, *(parent2 if with_parent2 else ("", "")), _iso(qad), spell[city], spell[region], country,
            spell[to[0]], to[1], _iso(_expires(qad)),
        )  # fmt: skip

    events: list[tuple[date, Stay, tuple[str, str], bool]] = []
    for i, stay in enumerate(stays):
        previous = life.before(stay)
        if i == 0 or (previous is not None and previous.state != state):
            events.append((stay.enrolled_known, stay, ("", ""), False))  # first report, or back again
        if stay.move_out == "departure" and stay.withdrawn_known is not None:
            events.append((stay.withdrawn_known, stay, (stay.to_city, stay.to_state), True))
    events.sort(key=lambda e: e[0])
    first = events[0][0]
    if late_parent:  # the same record a few weeks later, with the second parent
        fixed = first + timedelta(days=30 + child.key % 30)
        _, stay, to, _ = [e for e in events if e[0] <= fixed][-1]
        events.append((fixed, stay, to, bool(to[1])))
        events.sort(key=lambda e: e[0])
    versions: list[Version] = []
    moving = False
    for order, (known, stay, to, risky) in enumerate(events):
        parent = not late_parent or known > first
        # Never spoil a row that reports a departure, nor the one after it (it may clear move_to).
        versions.append((known, order, STUDENTS, sid, snapshot(stay, to, parent), not (risky or moving)))
        moving = risky
    return versions


def _enrollment_versions(life: Life, state: str, sid: str, stays: list[Stay], spell: Speller) -> list[Version]:
    child = life.child
    versions: list[Version] = []
    for stay in stays:
        eid = enrollment_id(state, child.key, stay.ordinal)
        before = life.before(stay)
        # The rows an arrival notice depends on: the enrollment left open, and the one after it.
        risky = stay.move_out == "arrival" or (before is not None and before.move_out == "arrival")
        changes = sorted(d for d in (stay.enrolled_known, stay.fixed_known, stay.withdrawn_known) if d)
        for order, known in enumerate(changes):
            wrong = stay.wrong_grade and (stay.fixed_known is None or known < stay.fixed_known)
            withdrawn = stay.withdrawn_known is not None and known >= stay.withdrawn_known
            grade = stay.wrong_grade if wrong else stay.grade
            row = _enrollment_row(life, stay, spell, (sid, eid), grade, stay.withdrawal if withdrawn else None)
            versions.append((known, order, ENROLLMENTS, eid, row, not risky))
        if stay.duplicate_deleted:  # typed in twice, the copy deleted in a later submission
            dup = enrollment_id(state, child.key, 32 + stay.ordinal)
            copy = _enrollment_row(life, stay, spell, (sid, dup), stay.grade, stay.start)
            versions.append((stay.enrolled_known, 0, ENROLLMENTS, dup, copy, False))
            versions.append((stay.duplicate_deleted, 1, ENROLLMENTS, dup, None, False))
    return versions


def _algebra(child: Child) -> str:
    grade = child.grade_number
    if grade is None or grade < 8:
        return ""
    return "Y" if grade >= 10 and child.ability > 0.25 else "N"


def _enrollment_row(
    life: Life, stay: Stay, spell: Speller, ids: tuple[str, str], grade: str, withdrawal: date | None
) -> tuple[str, ...]:
    child, school = life.child, stay.school
    return (
        *ids, _iso(stay.start), _iso(withdrawal), stay.enrollment_type, spell[school.name],
        school.nces_school_id, school.nces_district_id, spell[school.district_name],
        spell[school.city], stay.state, grade, _yn(child.lep), _yn(child.iep), _yn(stay.pfs),
        child.medical_alert, _yn(child.immunized), _iso(stay.arrived), spell[stay.designated_school],
        _iso(stay.graduation if withdrawal else None), _algebra(child), stay.comment,
    )  # fmt: skip


def _letter(score: int) -> str:
    return "A" if score >= 90 else "B" if score >= 80 else "C" if score >= 70 else "D" if score >= 60 else "F"


def _course_versions(
    life: Life, state: str, sid: str, facts: list[CourseFact], spell: Speller, school_year: str
) -> list[Version]:
    numeric = CALENDARS[state].numeric_grades
    versions: list[Version] = []
    for fact in facts:
        grade = str(fact.score) if numeric else _letter(fact.score)
        course = fact.course
        head = (
            sid, fact.course_id, school_year, fact.term, spell[course.title], course.subject,
            fact.course_type, f"{int(course.code) % 7 + 1:02d}", fact.credits,
        )  # fmt: skip
        if fact.progress_known:
            row = (*head, "", "", "", grade, "Y", fact.school_id)
            versions.append((fact.progress_known, 0, COURSES, fact.course_id, row, True))
        if fact.done_known:
            final = grade if fact.completed else ""
            row = (
                *head,
                fact.granted,
                final,
                fact.clock_hours,
                "" if fact.completed else grade,
                "N",
                fact.school_id,
            )
            versions.append((fact.done_known, 1, COURSES, fact.course_id, row, True))
    return versions


def _test_versions(life: Life, state: str, sid: str, facts: list[TestFact], spell: Speller) -> list[Version]:
    versions: list[Version] = []
    for fact in facts:
        method = "Performance Level" if fact.type == "04" else "Scale Score"
        row = (
            sid, fact.assessment_id, spell[fact.title], fact.content, fact.type, f"{fact.month:%Y-%m}",
            method, fact.score, fact.interpretation,
        )  # fmt: skip
        versions.append((fact.known, 0, ASSESSMENTS, fact.assessment_id, row, True))
        if fact.deleted_known:
            versions.append((fact.deleted_known, 1, ASSESSMENTS, fact.assessment_id, None, False))
    return versions


def versions(life: Life, state: str, school_year: str) -> list[Version]:
    spell = speller(state)
    stays = [s for s in life.stays if s.state == state]
    ordinals = {s.ordinal for s in stays}
    courses = [c for c in life.courses if c.stay in ordinals]
    tests = [t for t in life.tests if t.stay in ordinals]
    sid = state_student_id(state, life.child.key)
    return [
        *_student_versions(life, state, sid, stays, spell),
        *_enrollment_versions(life, state, sid, stays, spell),
        *_course_versions(life, state, sid, courses, spell, school_year),
        *_test_versions(life, state, sid, tests, spell),
    ]
