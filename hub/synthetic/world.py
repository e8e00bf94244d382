"""The world: migrant families through one school year, and the truth a hub should find in it.

``build_world`` draws families onto crop streams (``streams``), then each child's enrollments and
moves (``stays``) and courses and tests (``schooling``). Deterministic from the seed: one
``random.Random`` drawn from in a fixed order, no clock.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from hub.synthetic.people import Child, Family, family_size, make_family, state_student_id
from hub.synthetic.places import SUPPORTED_STATES
from hub.synthetic.schooling import CourseFact, TestFact, courses_for, tests_for
from hub.synthetic.stays import FamilyPlan, Move, Stay, moves_for, plan_family, stays_for
from hub.synthetic.streams import resolve_legs, streams_for

DEFAULT_STATES: tuple[str, ...] = ("TX", "CA", "FL", "WA", "MI", "NC")
"""The states of the demo's world."""


@dataclass(frozen=True, slots=True)
class Life:
    """One child's school year as the states record it."""

    child: Child
    family: Family
    stays: tuple[Stay, ...]
    courses: tuple[CourseFact, ...]
    tests: tuple[TestFact, ...]
    moves: tuple[Move, ...]

    def before(self, stay: Stay) -> Stay | None:
        """The child's enrollment before ``stay`` (in any state), None for the first."""
        return self.stays[stay.ordinal - 1] if stay.ordinal else None


def plan_child(rng: random.Random, plan: FamilyPlan, family: Family, child: Child) -> Life:
    """One child's year: enrollments, moves between them, courses and tests, in this order of draws."""
    stays = stays_for(rng, plan, family, child)
    moves = moves_for(child, stays)
    courses = courses_for(rng, child, stays, plan.year)
    tests = tests_for(rng, child, stays, plan.year, plan.through, courses)
    return Life(child, family, tuple(stays), courses, tests, moves)


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
        plan = plan_family(rng, legs, year, end)
        for child in family.children:
            lives.append(plan_child(rng, plan, family, child))
        key += len(family.children)
        family_key += 1
    return World(seed, year, tuple(states), end, tuple(lives), _truth(lives))


def _truth(lives: list[Life]) -> Truth:
    identities = {
        life.child.key: {stay.state: state_student_id(stay.state, life.child.key) for stay in life.stays}
        for life in lives
    }
    return Truth(identities, tuple(move for life in lives for move in life.moves))
