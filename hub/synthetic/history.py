"""A school year of migrant families: where they go, and what each child's schools record on the way.

A family follows a crop stream (TX -> MI, FL -> GA -> NC, CA -> WA -> OR...): a list of legs, each
a stretch of weeks in one town. Each child gets one enrollment (a ``Stay``) per leg, then courses
(high school) and state tests where the child happens to be when they are given.

Every fact carries the date the state's record system knows it (``*_known``). Those dates are
chosen so that the truth of each move is unambiguous whatever the hub reads first: when a child
leaves state A and enrolls in state B, A's withdrawal (or A's enrollment, when A leaves it open)
is in a submission of A that is dated before the submission of B that carries the new enrollment.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, cached_property

from hub.synthetic.names import (
    CITIES,
    COMMENTS,
    COURSES_BY_GRADE,
    CREDIT_RECOVERY,
    ELD_COURSE,
    HONORS_TITLES,
    SUPPORTED_STATES,
    TESTS,
    CourseDef,
    School,
    school_for,
)
from hub.synthetic.people import Child, Family, between, family_size, make_family, state_student_id

MD = tuple[int, int]
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Calendar:
    """A state's school year and the habits of its migrant record system."""

    start: MD
    end: MD
    summer: tuple[MD, MD]
    terms: str
    """S semesters, B 4x4 block (a full course in one semester), T trimesters, FY full year."""
    test_month: int
    elp_month: int
    submit_day: int
    """The state submits to the hub twice a month: on this day (1-14) and two weeks later."""
    departure: float
    """Share of moves out of the state that it reports (move_to_state on the student row)."""
    open: float
    """Share of moves out of the state where it leaves the enrollment open."""
    transfers: float
    """Share of arriving high-school students whose earlier courses it records (transfer credit)."""
    partial_credit: bool
    numeric_grades: bool


# fmt: off
CALENDARS: dict[str, Calendar] = {
    "TX": Calendar((8, 13), (5, 22), ((6, 9), (7, 17)), "S", 4, 2, 1, 0.55, 0.25, 0.5, True, True),
    "CA": Calendar((8, 12), (6, 4), ((6, 16), (7, 25)), "S", 5, 2, 2, 0.45, 0.30, 0.4, True, False),
    "FL": Calendar((8, 11), (5, 28), ((6, 9), (7, 18)), "S", 5, 1, 3, 0.50, 0.25, 0.4, False, False),
    "WA": Calendar((8, 27), (6, 16), ((6, 23), (7, 31)), "S", 5, 1, 4, 0.40, 0.35, 0.5, True, False),
    "MI": Calendar((8, 25), (6, 11), ((6, 22), (7, 31)), "T", 4, 2, 5, 0.35, 0.35, 0.3, False, False),
    "NC": Calendar((8, 25), (6, 10), ((6, 16), (7, 31)), "B", 5, 1, 6, 0.45, 0.30, 0.4, False, False),
    "OR": Calendar((9, 2), (6, 11), ((6, 22), (7, 31)), "S", 5, 2, 7, 0.40, 0.30, 0.4, True, False),
    "GA": Calendar((8, 1), (5, 22), ((6, 8), (7, 10)), "S", 4, 1, 8, 0.35, 0.40, 0.3, False, True),
    "ID": Calendar((8, 20), (5, 28), ((6, 8), (7, 24)), "S", 4, 1, 9, 0.40, 0.30, 0.3, False, False),
    "NY": Calendar((9, 3), (6, 25), ((7, 1), (7, 31)), "FY", 4, 5, 10, 0.50, 0.25, 0.5, False, True),
    "AZ": Calendar((8, 4), (5, 21), ((6, 2), (7, 3)), "S", 4, 2, 11, 0.40, 0.30, 0.3, False, False),
    "OH": Calendar((8, 20), (5, 28), ((6, 15), (7, 31)), "S", 4, 2, 12, 0.40, 0.30, 0.3, False, False),
    "PA": Calendar((8, 26), (6, 5), ((6, 22), (7, 31)), "S", 4, 2, 13, 0.40, 0.30, 0.3, False, False),
    "MN": Calendar((9, 2), (6, 5), ((6, 15), (7, 31)), "S", 4, 2, 14, 0.40, 0.30, 0.3, False, False),
    "CO": Calendar((8, 13), (5, 22), ((6, 8), (7, 17)), "S", 4, 2, 1, 0.40, 0.30, 0.3, False, False),
}
# fmt: on


def on(year: int, md: MD) -> date:
    """A month and day of the school year starting in August of ``year``."""
    return date(year if md[0] >= 8 else year + 1, md[0], md[1])


# --- crop streams ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegSpec:
    state: str
    start: MD | None = None
    """None: when school opens."""
    end: MD | None = None
    """None: when school closes."""
    summer: bool = False
    new_city: bool = False
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    home: str
    weight: float
    legs: tuple[LegSpec, ...]


def _school(state: str, start: MD | None = None, end: MD | None = None, new_city: bool = False) -> LegSpec:
    return LegSpec(state, start, end, new_city=new_city)


def _summer(state: str, optional: bool = False) -> LegSpec:
    return LegSpec(state, summer=True, optional=optional)


# fmt: off
STREAMS: tuple[Stream, ...] = (
    Stream("tx-mi", "TX", 10, (_school("TX", end=(4, 25)), _school("MI", (5, 2)), _summer("MI"))),
    Stream("mi-tx-mi", "TX", 6, (_school("MI", end=(10, 31)), _school("TX", (11, 7), (4, 25)),
                                 _school("MI", (5, 2)), _summer("MI"))),
    Stream("tx-oh", "TX", 3, (_school("TX", end=(5, 1)), _school("OH", (5, 8)), _summer("OH"))),
    Stream("tx-mn", "TX", 2, (_school("TX", end=(4, 20)), _school("MN", (4, 27)), _summer("MN"))),
    Stream("tx-id", "TX", 3, (_school("TX", end=(4, 15)), _school("ID", (4, 22)), _summer("ID"))),
    Stream("tx-wa", "TX", 3, (_school("TX", end=(4, 10)), _school("WA", (4, 17)), _summer("WA"))),
    Stream("tx-nc", "TX", 2, (_school("TX", end=(4, 30)), _school("NC", (5, 7)), _summer("NC"))),
    Stream("tx-co", "TX", 2, (_school("TX", end=(4, 20)), _school("CO", (4, 27)), _summer("CO"))),
    Stream("fl-ga-nc", "FL", 6, (_school("FL", end=(3, 31)), _school("GA", (4, 7)), _summer("NC"))),
    Stream("ny-fl-nc", "FL", 5, (_school("NY", end=(10, 24)), _school("FL", (11, 3), (5, 8)),
                                 _school("NC", (5, 15)), _summer("NC"))),
    Stream("fl-nc-ny", "FL", 5, (_school("FL", end=(4, 30)), _school("NC", (5, 7)), _summer("NY"))),
    Stream("fl-nc-mi", "FL", 3, (_school("FL", end=(4, 30)), _school("NC", (5, 7)), _summer("MI"))),
    Stream("fl-mi", "FL", 4, (_school("FL", end=(5, 10)), _school("MI", (5, 17)), _summer("MI"))),
    Stream("fl-pa", "FL", 2, (_school("FL", end=(5, 20)), _summer("PA"))),
    Stream("ga-nc", "GA", 2, (_school("GA", end=(5, 1)), _school("NC", (5, 8)), _summer("NC"))),
    Stream("ca-wa-or", "CA", 6, (_school("CA", end=(3, 31)), _school("WA", (4, 7)), _summer("OR"))),
    Stream("wa-ca-wa", "WA", 5, (_school("WA", end=(10, 31)), _school("CA", (11, 7), (5, 15)),
                                 _school("WA", (5, 22)), _summer("WA"))),
    Stream("or-ca", "OR", 3, (_school("OR", end=(10, 15)), _school("CA", (10, 22)), _summer("CA"))),
    Stream("id-ca-id", "ID", 3, (_school("ID", end=(10, 20)), _school("CA", (10, 27), (4, 30)),
                                 _school("ID", (5, 7)))),
    Stream("ca-az-ca", "CA", 3, (_school("CA", end=(11, 10)), _school("AZ", (11, 17), (3, 31)),
                                 _school("CA", (4, 7)))),
    Stream("ca-or", "CA", 3, (_school("CA", end=(5, 31)), _summer("OR"))),
    Stream("ca-intra", "CA", 5, (_school("CA", end=(1, 16)), _school("CA", (1, 21), new_city=True))),
    Stream("tx-intra", "TX", 3, (_school("TX", end=(2, 6)), _school("TX", (2, 11), new_city=True))),
    Stream("fl-intra", "FL", 3, (_school("FL", end=(12, 12)), _school("FL", (1, 6), new_city=True))),
    Stream("wa-intra", "WA", 2, (_school("WA", end=(3, 6)), _school("WA", (3, 11), new_city=True))),
)
# fmt: on

_STAYER_WEIGHT = {"TX": 6.0, "CA": 6.0, "FL": 4.0, "WA": 2.0}


def streams_for(states: tuple[str, ...]) -> tuple[Stream, ...]:
    """The streams whose every state is in ``states``, stayers for each state, and a plain
    two-state stream for any state no stream reaches."""
    usable = [s for s in STREAMS if all(leg.state in states for leg in s.legs)]
    reached = {leg.state for s in usable for leg in s.legs}
    for state in states:
        legs: tuple[LegSpec, ...]
        if state not in reached and len(states) > 1:
            partner = next(s for s in states if s != state)
            legs = (_school(partner, end=(4, 20)), _school(state, (4, 27)), _summer(state))
            usable.append(Stream(f"{partner.lower()}-{state.lower()}", partner, 3, legs))
        legs = (_school(state), _summer(state, optional=True))
        usable.append(Stream(f"{state.lower()}-stay", state, _STAYER_WEIGHT.get(state, 2.0), legs))
    return tuple(usable)


@dataclass(frozen=True, slots=True)
class Leg:
    state: str
    city: str
    summer: bool
    start: date
    end: date


def resolve_legs(rng: random.Random, stream: Stream, year: int) -> list[Leg]:
    """Concrete dates and towns for one family following ``stream``."""
    legs: list[Leg] = []
    cities: dict[str, str] = {}
    for spec in stream.legs:
        if spec.optional and rng.random() < 0.65:
            continue
        cal = CALENDARS[spec.state]
        if spec.summer:
            start = on(year, cal.summer[0]) + between(rng, -3, 3) * DAY
            end = on(year, cal.summer[1])
        else:
            start = on(year, cal.start) if spec.start is None else on(year, spec.start) + between(rng, -7, 7) * DAY
            end = on(year, cal.end) if spec.end is None else on(year, spec.end) + between(rng, -7, 7) * DAY
        if legs and start <= legs[-1].end:
            start = legs[-1].end + between(rng, 3, 9) * DAY  # the drive north
        if (end - start).days < 14:
            continue
        city = cities.get(spec.state)
        if city is None or spec.new_city:
            towns = [c for c, _ in CITIES[spec.state] if c != city]
            city = cities[spec.state] = rng.choice(towns)
        legs.append(Leg(spec.state, city, spec.summer, start, end))
    return legs


def move_kinds(rng: random.Random, legs: list[Leg]) -> list[str]:
    """How each move out of a leg gets reported: ``departure``, ``arrival``, ``unreported`` ('' if none).

    An enrollment left open is only allowed on the last move between states: an enrollment that
    stays open through later moves would make every later move look like a move from that state.
    The same departure is reported once a year at most (a second TX -> MI would look like a repeat).
    """
    kinds = [""] * len(legs)
    moves = [i for i in range(len(legs) - 1) if legs[i].state != legs[i + 1].state]
    reported: set[tuple[str, str]] = set()
    for i in moves:
        cal = CALENDARS[legs[i].state]
        roll = rng.random()
        kind = "departure" if roll < cal.departure else "arrival" if roll < cal.departure + cal.open else "unreported"
        if kind == "arrival" and i != moves[-1]:
            kind = rng.choice(("departure", "unreported"))
        pair = (legs[i].state, legs[i + 1].state)
        if kind == "departure" and pair in reported:
            kind = "unreported"
        if kind == "departure":
            reported.add(pair)
        kinds[i] = kind
    return kinds


# --- submissions calendar --------------------------------------------------------------------------


@cache
def schedule(state: str, year: int, through: date) -> tuple[date, ...]:
    """The dates ``state`` submits to the hub: twice a month, and on ``through`` (the last one)."""
    day = CALENDARS[state].submit_day
    dates: list[date] = []
    month = date(year, 8, 1)
    while month < through:
        dates.extend(d for d in (month.replace(day=day), month.replace(day=day + 14)) if d < through)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (*dates, through)


def next_submission(state: str, year: int, through: date, known: date) -> date | None:
    """The first submission of ``state`` that carries a fact known on ``known`` (None: after through)."""
    dates = schedule(state, year, through)
    i = bisect.bisect_left(dates, known)
    return dates[i] if i < len(dates) else None


# --- one child's year ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stay:
    """One enrollment: a child at one school (or MEP project) in one state."""

    ordinal: int
    state: str
    school: School
    enrollment_type: str
    grade: str
    arrived: date
    """Qualifying arrival date of the move that brought the child here (also the residency date)."""
    start: date
    left: date | None
    """When the child left (None: still there on ``through``)."""
    withdrawal: date | None
    """As reported: None while the child is there, and forever when the state leaves it open."""
    enrolled_known: date
    withdrawn_known: date | None
    move_out: str
    """How the move out of this stay is reported: departure, arrival, unreported; '' if no move."""
    to_city: str = ""
    to_state: str = ""
    move_from: tuple[str, str, str] = ("", "", "")
    """(city, state or region, country) of the qualifying move."""
    pfs: bool = False
    comment: str = ""
    graduation: date | None = None
    designated_school: str = ""
    wrong_grade: str = ""
    """A grade first reported by mistake, corrected on ``fixed_known``."""
    fixed_known: date | None = None
    duplicate_deleted: date | None = None
    """A duplicate enrollment typed in by mistake, deleted on this date."""


@dataclass(frozen=True, slots=True)
class Move:
    child: int
    kind: str
    """``departure`` (origin reported move_to_state), ``arrival`` (origin left the enrollment open),
    or ``unreported`` (origin withdrew the child without saying where: no notice is due)."""
    from_state: str
    to_state: str
    to_city: str
    left: date
    enrolled: date | None
    """The enrollment date in the new state; None if it has not enrolled the child by ``through``."""


@dataclass(frozen=True, slots=True)
class Life:
    """One child's school year as the states record it."""

    child: Child
    family: Family
    stays: tuple[Stay, ...]
    courses: tuple[CourseFact, ...]
    tests: tuple[TestFact, ...]
    moves: tuple[Move, ...]


def age_on_sept_1(born: date, year: int) -> int:
    return year - born.year - (1 if (born.month, born.day) > (9, 1) else 0)


def _level(child: Child, year: int) -> tuple[str, str]:
    """(school level, enrollment type) of a child's school-year enrollments."""
    if child.grade == "OS":
        return "osy", "04"
    if child.grade == "PK" and age_on_sept_1(child.birth_date, year) < 4:
        return "preschool", "04"
    if child.grade in ("PK", "KG", "UG") or child.grade <= "05":
        return "elementary", "01"
    return ("middle", "01") if child.grade <= "08" else ("high", "01")


def _neighbour_grade(grade: str) -> str:
    if grade == "KG":
        return "01"
    number = int(grade)
    return f"{number - 1:02d}" if number > 1 else "KG"


@dataclass
class _Plan:
    """What a family shares on a year: legs, how moves get reported, when the first leg starts."""

    year: int
    through: date
    legs: list[Leg]
    kinds: list[str]
    late: int
    prior: tuple[date, tuple[str, str, str]]
    mover: bool = field(init=False)

    def __post_init__(self) -> None:
        self.mover = len({leg.state for leg in self.legs}) > 1 or len({leg.city for leg in self.legs}) > 1


def plan_child(rng: random.Random, plan: _Plan, family: Family, child: Child) -> Life:
    stays = _stays(rng, plan, family, child)
    moves = _moves(child, stays)
    courses = courses_for(rng, child, stays, plan.year)
    tests = tests_for(rng, child, stays, plan.year, plan.through, courses)
    return Life(child, family, tuple(stays), courses, tests, moves)


def _stays(rng: random.Random, plan: _Plan, family: Family, child: Child) -> list[Stay]:
    level, school_type = _level(child, plan.year)
    stays: list[Stay] = []
    previous: Leg | None = None
    qad, move_from = plan.prior
    for i, leg in enumerate(plan.legs):
        last = i == len(plan.legs) - 1
        if last and leg.summer and previous is not None and previous.state == leg.state and rng.random() < 0.3:
            continue  # stayed home from the summer program (never when it is a move)
        if previous is not None and (previous.state, previous.city) != (leg.state, leg.city):
            qad, move_from = leg.start, (previous.city, previous.state, "US")
        start = leg.start + (plan.late if i == 0 else between(rng, 1, 4)) * DAY + between(rng, 0, 2) * DAY
        known = _first_report(plan, stays, leg.state, start + between(rng, 0, 5) * DAY)
        if known is None:
            break  # not reported by `through`: neither is anything after it
        kind = plan.kinds[i]
        left = leg.end if leg.end <= plan.through else None
        withdrawn_known = left + between(rng, 0, 7) * DAY if left and kind != "arrival" else None
        if withdrawn_known is not None and withdrawn_known > plan.through:
            withdrawn_known = None
        nxt = plan.legs[i + 1] if i + 1 < len(plan.legs) and kind == "departure" else None
        etype = "03" if leg.summer else ("02" if school_type == "04" and rng.random() < 0.3 else school_type)
        stays.append(
            Stay(
                len(stays), leg.state, school_for(leg.state, leg.city, "summer" if leg.summer else level),
                etype, child.grade, qad, start, left, left if withdrawn_known else None, known,
                withdrawn_known, kind, nxt.city if nxt else "", nxt.state if nxt else "", move_from,
                *_details(rng, plan, family, child, leg, etype, withdrawn_known is not None),
                *_mistakes(rng, plan, leg.state, etype, child.grade, known),
            )
        )  # fmt: skip
        previous = leg
    return stays


def _first_report(plan: _Plan, stays: list[Stay], state: str, known: date) -> date | None:
    """When a new state first reports the child: not before the old state's last word is submitted.

    That last word is the withdrawal, or the enrollment itself when the old state leaves it open.
    None if that is after ``through``.
    """
    if stays and stays[-1].state != state:
        before = stays[-1]
        if before.move_out != "arrival" and before.withdrawn_known is None:
            return None  # the old state has not said the child left
        sent = next_submission(before.state, plan.year, plan.through, before.withdrawn_known or before.enrolled_known)
        if sent is None:
            return None
        known = max(known, sent + DAY)
    return known if known <= plan.through else None


def _details(
    rng: random.Random, plan: _Plan, family: Family, child: Child, leg: Leg, etype: str, withdrawn: bool
) -> tuple[bool, str, date | None, str]:
    """(pfs, comment, graduation, designated graduation school)."""
    closes = on(plan.year, CALENDARS[leg.state].end)
    graduates = child.grade == "12" and not leg.summer and leg.end == closes and child.ability > 0.25
    away = child.grade in ("09", "10", "11", "12") and leg.state != family.home_state
    designated = away and etype == "01" and rng.random() < 0.6
    return (
        plan.mover and (child.lep or child.ability < 0.4) and rng.random() < 0.8,
        rng.choice(COMMENTS) if rng.random() < 0.08 else "",
        closes if graduates and withdrawn else None,
        school_for(family.home_state, family.home_city, "high").name if designated else "",
    )


def _mistakes(
    rng: random.Random, plan: _Plan, state: str, etype: str, grade: str, known: date
) -> tuple[str, date | None, date | None]:
    """(wrong grade, corrected on, duplicate deleted on): now and then a wrong grade corrected in the
    next submission but one, or a duplicate enrollment typed in and deleted."""
    roll = rng.random()
    if etype != "01" or roll > 0.05:
        return "", None, None
    after = next_submission(state, plan.year, plan.through, known)
    if after is None:
        return "", None, None
    later = after + between(rng, 1, 12) * DAY
    if roll < 0.03 and grade not in ("PK", "UG", "OS"):
        return _neighbour_grade(grade), later, None
    return "", None, later


def _moves(child: Child, stays: list[Stay]) -> tuple[Move, ...]:
    moves = [
        Move(child.key, before.move_out, before.state, after.state, after.school.city, before.left, after.start)
        for before, after in itertools.pairwise(stays)
        if before.state != after.state and before.left is not None
    ]
    last = stays[-1] if stays else None
    if last and last.move_out == "departure" and last.withdrawal is not None:
        # Reported by the origin; the new state has not enrolled the child by `through`.
        moves.append(Move(child.key, "departure", last.state, last.to_state, last.to_city, last.withdrawal, None))
    return tuple(moves)


# --- courses and tests ------------------------------------------------------------------------------


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


def _schedule(rng: random.Random, child: Child) -> list[tuple[CourseDef, str]]:
    catalog = COURSES_BY_GRADE[int(child.grade)]
    picks = [*catalog[:5], *rng.sample(catalog[5:], 2)]
    if child.lep and child.grade in ("09", "10"):
        picks[-1] = ELD_COURSE
    honors = child.ability > 0.7 and rng.random() < 0.5
    return [(c, "HON" if honors and c.title in HONORS_TITLES else c.course_type) for c in picks]


def _in_term(schedule: list[tuple[CourseDef, str]], terms: str, term: str) -> list[tuple[CourseDef, str]]:
    if terms == "B":  # 4x4 block: four courses in the fall, the others in the spring
        return schedule[:4] if term == "S1" else schedule[4:]
    return schedule if terms == "S" else schedule[:6]


def _score(rng: random.Random, child: Child) -> int:
    noise = (rng.random() + rng.random() - 1) * 14  # triangular, cheaper than gauss
    return min(max(round(50 + 45 * child.ability + noise), 30), 100)


def courses_for(rng: random.Random, child: Child, stays: list[Stay], year: int) -> tuple[CourseFact, ...]:
    """High-school courses of each stay, then the transfers a receiving state copies."""
    if child.grade not in ("09", "10", "11", "12"):
        return ()
    schedule = _schedule(rng, child)
    facts: list[CourseFact] = []
    for stay in stays:
        if stay.enrollment_type == "03":
            facts.extend(_credit_recovery(rng, child, stay, year))
        elif stay.enrollment_type == "01":
            facts.extend(_school_courses(rng, child, stay, year, schedule))
    for before, after in itertools.pairwise(stays):
        moved = before.state != after.state and after.enrollment_type == "01"
        if moved and rng.random() < CALENDARS[after.state].transfers:
            facts.extend(_transfers(rng, [f for f in facts if f.stay == before.ordinal], before, after))
    return tuple(facts)


def _school_courses(
    rng: random.Random, child: Child, stay: Stay, year: int, schedule: list[tuple[CourseDef, str]]
) -> list[CourseFact]:
    cal = CALENDARS[stay.state]
    facts: list[CourseFact] = []
    for term, first, last, credits in _terms(stay.state, year):
        begin = max(first, stay.start)
        end = last if stay.left is None else min(last, stay.left)
        if (end - begin).days < 10:
            continue
        full = stay.left is None or stay.left >= last - 3 * DAY
        for course, ctype in _in_term(schedule, cal.terms, term):
            score = _score(rng, child)
            passed = score >= (70 if cal.numeric_grades else 60)
            hours = "0.0" if course.subject == "22" else credits
            progress = begin + 14 * DAY if begin + 14 * DAY < end else None  # first progress report
            course_id = f"{stay.school.nces_school_id[-5:]}-{course.code}-{term}{stay.ordinal}"
            if full:
                done, granted, clock = last + between(rng, 3, 10) * DAY, hours if passed else "0.0", ""
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
    full = stay.left is None or stay.left >= last - 3 * DAY
    done = last + between(rng, 2, 7) * DAY if full else stay.withdrawn_known
    score = _score(rng, child)
    course_id = f"{stay.school.nces_school_id[-5:]}-{course.code}-SUM{stay.ordinal}"
    return [
        CourseFact(stay.ordinal, course_id, stay.school.nces_school_id, course, "REM", "SUM", "0.5", score,
                   stay.start + 7 * DAY, done, full, "0.5" if full and score >= 60 else "0.0",
                   f"{between(rng, 40, 90)}.0")
    ]  # fmt: skip


def _transfers(rng: random.Random, facts: list[CourseFact], before: Stay, after: Stay) -> list[CourseFact]:
    """The receiving state records the courses the child brings (same course, reported twice)."""
    copied = []
    for fact in facts:
        if fact.done_known is None:
            continue
        known = max(after.enrolled_known + between(rng, 7, 30) * DAY, fact.done_known + DAY)
        course_id = f"TR-{before.state}-{fact.course.code}-{fact.term}"
        copied.append(
            CourseFact(after.ordinal, course_id, fact.school_id, fact.course, fact.course_type, fact.term,
                       fact.credits, fact.score, None, known, fact.completed, fact.granted, fact.clock_hours, True)
        )  # fmt: skip
    return copied


def _present(stay: Stay, day: date) -> bool:
    return stay.start <= day and (stay.left is None or stay.left >= day)


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
        if _present(stay, spring) and child.grade not in ("PK", "KG", "UG", "OS"):
            grade = int(child.grade)
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
        if child.lep and child.grade not in ("PK", "OS") and _present(stay, elp_day):
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
    share = min(max(child.ability + (rng.random() + rng.random() - 1) * 0.2, 0.0), 0.999)
    score = "" if kind == "04" else str(round(low + share * (high - low)))
    if kind == "04":  # proficiency tests report a composite level like 3.4
        score = f"{1 + share * (len(levels) - 1):.1f}"
    known = day + between(rng, 35, 70) * DAY
    deleted = None
    if rng.random() < 0.015:  # attributed to the wrong child, deleted a month later
        sent = next_submission(stay.state, day.year if day.month >= 8 else day.year - 1, through, known)
        deleted = sent + between(rng, 1, 9) * DAY if sent else None
    test_id = f"{kind}-{content}-{day:%Y%m}"
    return TestFact(stay.ordinal, test_id, title, content, kind, day.replace(day=1), score,
                    levels[int(share * len(levels))], known, deleted)  # fmt: skip


# --- the world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """What the hub should find: which state ids are one child, and the moves.

    A hub owes one notice per ``departure`` and per ``arrival`` move. An arrival is one per child and
    (from, to) pair: after it, the new state may enroll the child again (a summer program) while
    the old state's enrollment is still open, and that is the same move, not a new one. In the data,
    a withdrawal date is always before the next state's enrollment date, so the moves can be told
    apart from the dates alone, whatever order the hub reads the states' topics in.
    """

    identities: Mapping[int, Mapping[str, str]]
    """Child key -> {state: that state's student id}, for every state that reports the child."""
    moves: tuple[Move, ...]

    def move_counts(self) -> dict[str, int]:
        """Moves by kind; a hub sends one notice per ``departure`` and per ``arrival``."""
        counts = Counter(move.kind for move in self.moves)
        return {kind: counts.get(kind, 0) for kind in ("departure", "arrival", "unreported")}

    def notices_due(self) -> int:
        counts = self.move_counts()
        return counts["departure"] + counts["arrival"]

    def child_of(self, state: str, state_student_id: str) -> int | None:
        return self._by_state_id.get((state, state_student_id))

    @cached_property
    def _by_state_id(self) -> dict[tuple[str, str], int]:
        return {(state, sid): key for key, ids in self.identities.items() for state, sid in ids.items()}


@dataclass(frozen=True)
class World:
    seed: int
    school_year_start: int
    states: tuple[str, ...]
    through: date
    lives: tuple[Life, ...]
    truth: Truth

    @property
    def school_year(self) -> str:
        return f"{self.school_year_start}-{self.school_year_start + 1}"

    @property
    def children(self) -> tuple[Child, ...]:
        return tuple(life.child for life in self.lives)


def build_world(
    seed: int,
    children: int,
    states: tuple[str, ...],
    school_year_start: int,
    *,
    through: date | None = None,
    first_child: int = 0,
) -> World:
    """``children`` migrant children in families following crop streams through ``states`` from
    August of ``school_year_start`` to ``through`` (default: June 30th, when summer programs run).

    ``first_child`` offsets the children's keys, so that successive worlds (the cohorts of
    ``events_for``) never give two children the same state student id.
    """
    unknown = [s for s in states if s not in SUPPORTED_STATES]
    if unknown or not states:
        raise ValueError(f"unsupported states {unknown}: choose from {', '.join(SUPPORTED_STATES)}")
    year = school_year_start
    end = through or date(year + 1, 6, 30)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, nothing secret
    streams = streams_for(tuple(states))
    weights = list(itertools.accumulate(s.weight for s in streams))
    lives: list[Life] = []
    key = first_child
    family_key = first_child
    while key < first_child + children:
        stream = rng.choices(streams, cum_weights=weights)[0]
        legs = resolve_legs(rng, stream, year)
        if not legs:
            continue
        home_city = next((leg.city for leg in legs if leg.state == stream.home), legs[0].city)
        size = min(family_size(rng), first_child + children - key)
        family = make_family(rng, family_key, key, stream.home, home_city, size, year)
        plan = _Plan(year, end, legs, move_kinds(rng, legs), between(rng, 0, 21), _prior_move(rng, legs, year))
        for child in family.children:
            lives.append(plan_child(rng, plan, family, child))
        key += len(family.children)
        family_key += 1
    return World(seed, year, tuple(states), end, tuple(lives), _truth(lives))


def _prior_move(rng: random.Random, legs: list[Leg], year: int) -> tuple[date, tuple[str, str, str]]:
    """The qualifying move that brought the family to its first town of the year."""
    others = [leg for leg in legs if leg.state != legs[0].state]
    if others:  # the way back from last season's last stop
        came = date(year - 1, between(rng, 9, 11), between(rng, 1, 28))
        return came, (others[-1].city, others[-1].state, "US")
    came = date(year - between(rng, 0, 2), between(rng, 1, 7), between(rng, 1, 28))
    state = rng.choice(SUPPORTED_STATES)
    return came, (rng.choice(CITIES[state])[0], state, "US")


def _truth(lives: list[Life]) -> Truth:
    identities = {
        life.child.key: {stay.state: state_student_id(stay.state, life.child.key) for stay in life.stays}
        for life in lives
    }
    return Truth(identities, tuple(move for life in lives for move in life.moves))
