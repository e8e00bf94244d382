"""A world as the states report it: MDE submissions, one per state per submission date.

Each state's record system has its habits (``Profile``): accents kept or dropped, names in capitals,
one surname or two, columns it never fills, its own column order. Rows are built per child and
state as dated versions of each record; a submission carries the latest version of every record
that changed since the state's previous submission: ``I`` the first time, ``U`` after, ``D`` when
a record typed in by mistake is deleted.

A share of rows is then spoiled the way a record system spoils them (an impossible date, a grade
code nobody knows, a missing required field, sex ``Q``, negative credits) and listed in
``SubmissionRows.bad_rows``, so tests know exactly which rows the hub must reject. Only rows whose
loss changes nothing else are spoiled: never the row that first reports a child, nor the rows a
move notice depends on.
"""

from __future__ import annotations

import multiprocessing
import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from hub.synthetic.history import CALENDARS, CourseFact, Life, Stay, TestFact, World, build_world, schedule
from hub.synthetic.names import strip_accents
from hub.synthetic.people import Child, enrollment_id, state_id_type, state_student_id

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

DEFAULT_STATES: tuple[str, ...] = ("TX", "CA", "FL", "WA", "MI", "NC")
BENCHMARK_STATES: tuple[str, ...] = ("TX", "CA", "FL", "WA", "MI", "NC", "OR", "GA", "ID", "NY")


# --- the states' record systems --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    system: str
    accents: bool
    """False: the system stores ASCII only (José -> Jose)."""
    upper: bool
    surnames: str
    """``split`` (last_name_1 paternal, last_name_2 maternal), ``paternal`` (only the first one),
    ``joined`` (both in last_name_1, separated by a space)."""
    middle: bool
    hour: int
    """Hour of the day (UTC) the state's nightly job sends the submission."""
    omit: frozenset[str] = frozenset()
    """Columns the system never fills, left out of its files altogether."""
    shuffle: bool = False
    """Columns in the system's own order rather than the contract's."""


# fmt: off
PROFILES: dict[str, Profile] = {
    "TX": Profile("NGS (New Generation System) 9.4", True, False, "split", True, 3),
    "CA": Profile("COEStar", True, False, "split", True, 9, frozenset({"msix_id"}), shuffle=True),
    "FL": Profile("FL MIS", True, False, "split", True, 5),
    "WA": Profile("MSIS", False, False, "split", True, 11, frozenset({"residency_date"})),
    "MI": Profile("MIS2000", False, False, "paternal", True, 6,
                  frozenset({"birth_city", "birth_state", "birth_country", "clock_hours"}), shuffle=True),
    "NC": Profile("NC MIS2000", False, True, "joined", False, 4, frozenset({"designated_graduation_school"})),
    "OR": Profile("OMSIS", True, False, "split", True, 10, shuffle=True),
    "GA": Profile("GA MIS2000", False, True, "paternal", False, 8, frozenset({"comment", "msix_id"})),
    "ID": Profile("ID MIS2000", False, False, "split", True, 7),
    "NY": Profile("NYS MEP Database", True, False, "joined", True, 2, shuffle=True),
}
# fmt: on
_DEFAULT_PROFILE = Profile("MIS2000", False, False, "split", True, 7)


def profile(state: str) -> Profile:
    return PROFILES.get(state, _DEFAULT_PROFILE)


@cache
def columns_of(state: str, file: str) -> tuple[str, ...]:
    """The header ``state`` writes for ``file``: action and id first, then its own order."""
    prof = profile(state)
    rest = [c for c in COLUMNS[file][2:] if c not in prof.omit]
    if prof.shuffle:
        random.Random(f"{state}/{file}").shuffle(rest)  # noqa: S311 - a fixed column order, nothing secret
    return ("action", "state_student_id", *rest)


@cache
def _picker(state: str, file: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """From a row in the contract's column order to the cells of ``columns_of(state, file)``."""
    where = {column: i for i, column in enumerate(COLUMNS[file])}
    return itemgetter(*(where[column] for column in columns_of(state, file)))


# --- what a submission is --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row spoiled on purpose: the hub must reject it, naming this file, line and column."""

    file: str
    line: int
    """Line in the CSV file (the header is line 1)."""
    column: str
    defect: str
    """``invalid_date``, ``unknown_code``, ``missing_required``, ``bad_sex``, ``negative_credits``."""
    state_student_id: str


@dataclass(frozen=True, slots=True)
class SubmissionRows:
    state: str
    submitted_at: datetime
    source_system: str
    rows_by_file: dict[str, list[dict[str, str]]]
    bad_rows: tuple[BadRow, ...] = ()
    batch: int = 0
    """0 for a world's submissions; the cohort number (from 1) for ``events_for``."""

    @property
    def rows(self) -> int:
        return sum(len(rows) for rows in self.rows_by_file.values())

    @property
    def bad(self) -> int:
        return len(self.bad_rows)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows_by_file.items()}

    @property
    def folder_name(self) -> str:
        day = self.submitted_at.date().isoformat()
        return day if not self.batch else f"{day}-b{self.batch:03d}"


# --- rows of one child in one state ----------------------------------------------------------------

# A version of a record: (known, order, file, key, values or None for a delete, may spoil).
# ``values`` are the row's cells after ``action``, in the contract's column order.
Version = tuple[date, int, int, str, tuple[str, ...] | None, bool]


@cache
def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


class _Speller(dict[str, str]):
    """Names as one state's system writes them: ``spell[name]``, cached (names come back all the time)."""

    def __init__(self, prof: Profile) -> None:
        super().__init__()
        self.prof = prof

    def __missing__(self, text: str) -> str:
        out = text if self.prof.accents else strip_accents(text)
        out = self[text] = out.upper() if self.prof.upper else out
        return out


def _expires(qad: date) -> date:
    """Eligibility lasts 36 months from the qualifying arrival date."""
    try:
        return qad.replace(year=qad.year + 3) - timedelta(days=1)
    except ValueError:  # February 29th
        return date(qad.year + 3, 2, 28)


def _student_versions(life: Life, state: str, sid: str, stays: list[Stay], spell: _Speller) -> list[Version]:
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
        previous = life.stays[stay.ordinal - 1] if stay.ordinal else None
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


def _enrollment_versions(life: Life, state: str, sid: str, stays: list[Stay], spell: _Speller) -> list[Version]:
    child = life.child
    versions: list[Version] = []
    for stay in stays:
        eid = enrollment_id(state, child.key, stay.ordinal)
        before = life.stays[stay.ordinal - 1] if stay.ordinal else None
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
    if child.grade in ("PK", "KG", "UG", "OS") or child.grade < "08":
        return ""
    return "Y" if child.grade >= "10" and child.ability > 0.25 else "N"


def _enrollment_row(
    life: Life, stay: Stay, spell: _Speller, ids: tuple[str, str], grade: str, withdrawal: date | None
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
    life: Life, state: str, sid: str, facts: list[CourseFact], spell: _Speller, school_year: str
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


def _test_versions(life: Life, state: str, sid: str, facts: list[TestFact], spell: _Speller) -> list[Version]:
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


def _versions(life: Life, state: str, school_year: str) -> list[Version]:
    spell = _speller(state)
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


@cache
def _speller(state: str) -> _Speller:
    return _Speller(profile(state))


# --- from versions to submissions ------------------------------------------------------------------

# A row waiting for its submission: (file, action, values, may spoil).
Pending = tuple[int, str, tuple[str, ...], bool]


_BY_TIME = itemgetter(0, 1)


def _collapse(versions: list[Version], submits: tuple[date, ...], through: date) -> Iterator[tuple[date, Pending]]:
    """Per record, the latest version in each submission: I the first time, U after, D to delete.

    A student row may be spoiled only if it is an update (a rejected insert would orphan the child's
    other rows), an enrollment row only if it is an insert (a rejected update could leave an
    enrollment open in the hub, and make a later move look like an arrival), any other row only if
    it is its record's last (nothing later depends on it).
    """
    by_key: dict[tuple[int, str], list[tuple[date, Version]]] = {}
    versions.sort(key=_BY_TIME)
    for version in versions:
        known = version[0]
        if known > through:
            break
        sent = submits[bisect_left(submits, known)]
        slots = by_key.setdefault((version[2], version[3]), [])
        if slots and slots[-1][0] == sent:
            slots[-1] = (sent, version)  # a later version in the same submission replaces it
        else:
            slots.append((sent, version))
    for (file, _), slots in by_key.items():
        shown: tuple[str, ...] | None = None
        for n, (sent, (_, _, _, _, values, spoil)) in enumerate(slots):
            if values is None:
                if shown is not None:
                    yield sent, (file, "D", shown, False)
                shown = None
                continue
            if values == shown:
                continue
            action = "U" if shown is not None else "I"
            last = n == len(slots) - 1
            if file == STUDENTS:
                ok = spoil and action == "U"
            elif file == ENROLLMENTS:
                ok = spoil and action == "I"
            else:
                ok = spoil and last
            yield sent, (file, action, values, ok)
            shown = values


def submissions(world: World, bad_row_rate: float = 0.0, *, batch: int = 0) -> Iterator[SubmissionRows]:
    """Every state's submissions, in time order (``submitted_at``; ties in the order of ``world.states``)."""
    pending: dict[tuple[date, int], tuple[list[Pending], ...]] = defaultdict(lambda: ([], [], [], []))
    submits = {s: schedule(s, world.school_year_start, world.through) for s in world.states}
    order = {s: i for i, s in enumerate(world.states)}
    for life in world.lives:
        for state in dict.fromkeys(stay.state for stay in life.stays):
            for sent, row in _collapse(_versions(life, state, world.school_year), submits[state], world.through):
                pending[(sent, order[state])][row[0]].append(row)
    for sent, index in sorted(pending, key=lambda at: (at[0], profile(world.states[at[1]]).hour, at[1])):
        state = world.states[index]
        rows = pending.pop((sent, index))
        yield _submission(world, state, sent, rows, bad_row_rate, batch)


def _submission(
    world: World, state: str, sent: date, rows: tuple[list[Pending], ...], rate: float, batch: int
) -> SubmissionRows:
    prof = profile(state)
    by_file: dict[str, list[dict[str, str]]] = {}
    spoilable: dict[str, list[int]] = {}
    for name, pending in zip(FILES, rows, strict=True):
        if not pending:
            continue
        columns, pick = columns_of(state, name), _picker(state, name)
        by_file[name] = [dict(zip(columns, pick((action, *values)), strict=True)) for _, action, values, _ in pending]
        spoilable[name] = [i for i, row in enumerate(pending) if row[3]]
    rng = random.Random(f"{world.seed}/{state}/{sent}/{batch}/bad")  # noqa: S311 - test data, nothing secret
    wanted = int(rate * sum(map(len, rows)) + rng.random())  # rounded at random: small submissions get some
    bad = []
    for _ in range(wanted):
        # A file first, then a row: courses would otherwise take most of the bad rows.
        files = [name for name, lines in spoilable.items() if lines]
        if not files:
            break
        name = rng.choice(files)
        line = spoilable[name].pop(rng.randrange(len(spoilable[name])))
        bad.append(_spoil(rng, name, line, by_file[name][line]))
    at = datetime.combine(sent, time(prof.hour), UTC) + timedelta(minutes=batch)
    system = prof.system if not batch else f"{prof.system} (batch {batch:03d})"
    return SubmissionRows(state, at, system, by_file, tuple(sorted(bad, key=lambda b: (b.file, b.line))), batch)


# --- spoiling a row --------------------------------------------------------------------------------


def _bad_date(value: str) -> str:
    """A date no calendar has, in the month of ``value``: 2025-02-30, 2025-04-31..."""
    year, month = value[:4], int(value[5:7])
    return f"{year}-{month:02d}-31" if month in (4, 6, 9, 11) else f"{year}-02-30"


_DEFECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "students.csv": (("sex", "bad_sex"), ("birth_date", "invalid_date"), ("first_name", "missing_required")),
    "enrollments.csv": (
        ("grade_level", "unknown_code"),
        ("enrollment_date", "invalid_date"),
        ("enrollment_date", "missing_required"),
        ("withdrawal_date", "invalid_date"),
    ),
    "courses.csv": (
        ("credits_attempted", "negative_credits"),
        ("course_title", "missing_required"),
        ("school_year", "missing_required"),
    ),
    "assessments.csv": (("administration_date", "invalid_date"), ("administration_date", "missing_required")),
}
_UNKNOWN_GRADES = ("13", "K", "1", "9th", "PS", "GR10")


def _spoil(rng: random.Random, name: str, index: int, row: dict[str, str]) -> BadRow:
    column, defect = rng.choice([(c, d) for c, d in _DEFECTS[name] if c in row and (row[c] or d != "invalid_date")])
    value = row[column]
    if defect == "bad_sex":
        row[column] = "Q"
    elif defect == "unknown_code":
        row[column] = rng.choice(_UNKNOWN_GRADES)
    elif defect == "negative_credits":
        row[column] = f"-{value}" if value and float(value) > 0 else "-0.5"  # "-0.0" would be valid
    elif defect == "missing_required":
        row[column] = ""
    elif column == "administration_date":
        row[column] = f"{value[:4]}-13"
    else:
        row[column] = _bad_date(value)
    return BadRow(name, index + 2, column, defect, row["state_student_id"])


# --- writing ---------------------------------------------------------------------------------------

Writer = Callable[[Path, str, datetime, str, Mapping[str, Iterable[Mapping[str, Any]]]], Any]


def _default_writer() -> Writer:
    from connectors.mde.writer import write_submission  # the connector's writer: one format, one writer

    return write_submission


def write_submissions(subs: Iterable[SubmissionRows], out_dir: Path, *, writer: Writer | None = None) -> list[Path]:
    """Write each submission to ``out_dir/<ST>/<date>/`` (``<date>-bNNN`` for a cohort); the folders,
    in the order written (time order for a world)."""
    write = writer or _default_writer()
    folders = []
    for sub in subs:
        folder = out_dir / sub.state / sub.folder_name
        write(folder, sub.state, sub.submitted_at, sub.source_system, sub.rows_by_file)
        folders.append(folder)
    return folders


def write_all(world: World, out_dir: Path, bad_row_rate: float = 0.0, *, writer: Writer | None = None) -> list[Path]:
    """Every submission of ``world`` as ``out_dir/<ST>/<YYYY-MM-DD>/``; the folders in time order,
    the order to publish them in. ``writer`` defaults to ``connectors.mde.writer.write_submission``."""
    return write_submissions(submissions(world, bad_row_rate), out_dir, writer=writer)


# --- the benchmark's stream ------------------------------------------------------------------------

_ROWS_PER_CHILD = 16
"""A first guess (it is 15 to 18 with most states), to size the first cohort."""
_PLANNED = 0.95
"""The share of ``n_events`` planned on the first cohort's rows per child; small top-up cohorts,
sized on every row so far, then bring the total within half a percent of ``n_events``."""


@dataclass(frozen=True, slots=True)
class _Cohort:
    """One district batch of the benchmark: ``size`` children, keys from ``first_child``."""

    batch: int
    size: int
    first_child: int
    seed: int
    states: tuple[str, ...]
    school_year_start: int
    bad_row_rate: float

    def submissions(self) -> Iterator[SubmissionRows]:
        world = build_world(self.seed * 1_000_003 + self.batch, self.size, self.states, self.school_year_start,
                            first_child=self.first_child)  # fmt: skip
        return submissions(world, self.bad_row_rate, batch=self.batch)

    def write(self, out_dir: Path) -> tuple[list[Path], int]:
        """Write with the connector's writer; the folders, and the rows written."""
        counted = _Counted(self.submissions())
        return write_submissions(counted, out_dir), counted.rows


class _Counted:
    """Submissions passed through, their rows counted."""

    def __init__(self, subs: Iterator[SubmissionRows]) -> None:
        self.subs = subs
        self.rows = 0

    def __iter__(self) -> Iterator[SubmissionRows]:
        for sub in self.subs:
            self.rows += sub.rows
            yield sub


@dataclass
class _Plan:
    """Cohorts for about ``n_events`` rows, in stages: the first cohort; the cohorts its rows per
    child call for; top-ups. A stage depends only on the rows of the stages before it, so the
    cohorts are the same however many processes write them."""

    n_events: int
    cohort: int
    world: dict[str, Any]
    rows: int = 0
    written: int = 0
    """Children of the cohorts done."""
    allocated: int = 0
    """Children of every cohort handed out: the next cohort's first key."""
    batches: int = 0
    stages: int = 0

    def next_stage(self) -> list[_Cohort]:
        self.stages += 1
        if self.stages == 1:
            # at most half the rows: the guess must not overshoot, the later stages correct it
            return self._cohorts(max(1, min(self.cohort, self.n_events // (2 * _ROWS_PER_CHILD))))
        per_child = max(self.rows, 1) / max(self.written, 1)
        if self.stages == 2 and self.rows < self.n_events * _PLANNED:
            return self._cohorts(round((self.n_events * _PLANNED - self.rows) / per_child))
        if self.rows >= self.n_events * 0.995 or self.stages > 6:
            return []
        return self._cohorts(max(1, round((self.n_events - self.rows) / per_child)))

    def done(self, cohort: _Cohort, rows: int) -> None:
        self.rows += rows
        self.written += cohort.size

    def _cohorts(self, children: int) -> list[_Cohort]:
        out: list[_Cohort] = []
        while children > 0:
            size = min(self.cohort, children)
            self.batches += 1
            out.append(_Cohort(self.batches, size, self.allocated, **self.world))
            self.allocated += size
            children -= size
        return out


def events_for(
    n_events: int,
    states: tuple[str, ...] = BENCHMARK_STATES,
    seed: int = 0,
    *,
    school_year_start: int = 2025,
    bad_row_rate: float = 0.0,
    cohort: int = 5000,
) -> Iterator[SubmissionRows]:
    """Submissions totalling ``n_events`` rows (within half a percent), memory flat in ``n_events``.

    Children come in cohorts of ``cohort`` (a district batch each): a cohort's world is built, its
    submissions yielded in time order, then dropped. Cohorts are disjoint sets of children, so each
    child's rows stay in time order; a cohort's submissions are stamped ``batch`` minutes past the
    state's usual hour, and their ``folder_name`` carries the batch.
    """
    plan = _Plan(n_events, cohort, _world_args(states, seed, school_year_start, bad_row_rate))
    while stage := plan.next_stage():
        for cohort_ in stage:
            counted = _Counted(cohort_.submissions())
            yield from counted
            plan.done(cohort_, counted.rows)


def write_events(
    n_events: int,
    out_dir: Path,
    states: tuple[str, ...] = BENCHMARK_STATES,
    seed: int = 0,
    *,
    workers: int = 1,
    school_year_start: int = 2025,
    bad_row_rate: float = 0.0,
    cohort: int = 5000,
) -> list[Path]:
    """``events_for`` written to ``out_dir`` with the connector's writer: the same folders whatever
    ``workers``, returned in the order ``events_for`` yields them. With ``workers`` > 1 cohorts
    are built in forked processes (call it before starting threads, e.g. Kafka clients)."""
    plan = _Plan(n_events, cohort, _world_args(states, seed, school_year_start, bad_row_rate))
    folders: list[Path] = []
    with ExitStack() as stack:
        pool = None
        if workers > 1:
            # Cohorts are independent: each process builds and writes its own; only paths come back.
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")))
        while stage := plan.next_stage():
            outs = pool.map(_write, stage, [out_dir] * len(stage)) if pool else (_write(c, out_dir) for c in stage)
            for cohort_, (paths, rows) in zip(stage, outs, strict=True):
                folders.extend(paths)
                plan.done(cohort_, rows)
    return folders


def _world_args(states: tuple[str, ...], seed: int, school_year_start: int, rate: float) -> dict[str, Any]:
    return {"seed": seed, "states": tuple(states), "school_year_start": school_year_start, "bad_row_rate": rate}


def _write(cohort: _Cohort, out_dir: Path) -> tuple[list[Path], int]:
    return cohort.write(out_dir)
