"""One child's enrollments through the year (``Stay``), and the moves between them (``Move``).

Each child gets one enrollment per leg of the family's crop stream. Every fact carries the date the
state's record system knows it (``*_known``). Those dates are chosen so that the truth of each move
is unambiguous whatever the hub reads first: when a child leaves state A and enrolls in state B, A's
withdrawal (or A's enrollment, when A leaves it open) is in a submission of A that is dated before
the submission of B that carries the new enrollment.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date

from hub.synthetic.calendars import CALENDARS, next_submission, on
from hub.synthetic.draws import DAY, between, days_between
from hub.synthetic.people import Child, Family
from hub.synthetic.places import CITIES, PRIOR_MOVE_STATES, School, school_for
from hub.synthetic.streams import Leg, move_kinds

COMMENTS: tuple[str, ...] = (
    "Family followed the harvest; records requested from previous school",
    'Parent said "we come back after the season"',
    "Llegó tarde por la cosecha, necesita apoyo en inglés",
    "Partial credits pending, see MSIX consolidated record",
    "Withdrew to follow crop season",
    "Sibling enrolled same day",
    "Immunization records from Mexico, translation pending",
    "Needs credit accrual plan, counselor notified",
)


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

    def present_on(self, day: date) -> bool:
        return self.start <= day and (self.left is None or self.left >= day)

    def stayed_to(self, last: date) -> bool:
        """Still enrolled in the last three days before ``last`` (a term's end): the term is complete."""
        return self.left is None or self.left >= last - 3 * DAY


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
class FamilyPlan:
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

    def next_submission(self, state: str, known: date) -> date | None:
        return next_submission(state, self.year, self.through, known)


def plan_family(rng: random.Random, legs: list[Leg], year: int, through: date) -> FamilyPlan:
    """How the family's moves get reported, how late it comes to its first school, and the move
    that brought it there."""
    return FamilyPlan(year, through, legs, move_kinds(rng, legs), between(rng, 0, 21), _prior_move(rng, legs, year))


def _prior_move(rng: random.Random, legs: list[Leg], year: int) -> tuple[date, tuple[str, str, str]]:
    """The qualifying move that brought the family to its first town of the year."""
    others = [leg for leg in legs if leg.state != legs[0].state]
    if others:  # the way back from last season's last stop
        came = date(year - 1, between(rng, 9, 11), between(rng, 1, 28))
        return came, (others[-1].city, others[-1].state, "US")
    came = date(year - between(rng, 0, 2), between(rng, 1, 7), between(rng, 1, 28))
    state = rng.choice(PRIOR_MOVE_STATES)
    return came, (rng.choice(CITIES[state])[0], state, "US")


def stays_for(rng: random.Random, plan: FamilyPlan, family: Family, child: Child) -> list[Stay]:
    """One enrollment per leg of the family's stream, up to the first one not reported by ``through``."""
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
        start = leg.start + (plan.late if i == 0 else between(rng, 1, 4)) * DAY + days_between(rng, 0, 2)
        known = _first_report(plan, stays, leg.state, start + days_between(rng, 0, 5))
        if known is None:
            break  # not reported by `through`: neither is anything after it
        kind = plan.kinds[i]
        left = leg.end if leg.end <= plan.through else None
        withdrawn_known = left + days_between(rng, 0, 7) if left and kind != "arrival" else None
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


def _first_report(plan: FamilyPlan, stays: list[Stay], state: str, known: date) -> date | None:
    """When a new state first reports the child: not before the old state's last word is submitted.

    That last word is the withdrawal, or the enrollment itself when the old state leaves it open.
    None if that is after ``through``.
    """
    if stays and stays[-1].state != state:
        before = stays[-1]
        if before.move_out != "arrival" and before.withdrawn_known is None:
            return None  # the old state has not said the child left
        sent = plan.next_submission(before.state, before.withdrawn_known or before.enrolled_known)
        if sent is None:
            return None
        known = max(known, sent + DAY)
    return known if known <= plan.through else None


def _details(
    rng: random.Random, plan: FamilyPlan, family: Family, child: Child, leg: Leg, etype: str, withdrawn: bool
) -> tuple[bool, str, date | None, str]:
    """(pfs, comment, graduation, designated graduation school)."""
    closes = on(plan.year, CALENDARS[leg.state].end)
    graduates = child.grade == "12" and not leg.summer and leg.end == closes and child.ability > 0.25
    away = child.in_high_school and leg.state != family.home_state
    designated = away and etype == "01" and rng.random() < 0.6
    return (
        plan.mover and (child.lep or child.ability < 0.4) and rng.random() < 0.8,
        rng.choice(COMMENTS) if rng.random() < 0.08 else "",
        closes if graduates and withdrawn else None,
        school_for(family.home_state, family.home_city, "high").name if designated else "",
    )


def _mistakes(
    rng: random.Random, plan: FamilyPlan, state: str, etype: str, grade: str, known: date
) -> tuple[str, date | None, date | None]:
    """(wrong grade, corrected on, duplicate deleted on): now and then a wrong grade corrected in the
    next submission but one, or a duplicate enrollment typed in and deleted."""
    roll = rng.random()
    if etype != "01" or roll > 0.05:
        return "", None, None
    after = plan.next_submission(state, known)
    if after is None:
        return "", None, None
    later = after + days_between(rng, 1, 12)
    if roll < 0.03 and grade not in ("PK", "UG", "OS"):
        return _neighbour_grade(grade), later, None
    return "", None, later


def moves_for(child: Child, stays: list[Stay]) -> tuple[Move, ...]:
    """The moves between states, as the truth a hub should find."""
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
