"""The benchmark's stream: submissions totalling about ``n_events`` rows, from cohorts of children.

A cohort's world is built, written or yielded, then dropped, so memory stays flat in ``n_events``;
``write_events`` can build cohorts in several processes and still write the same folders.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from hub.synthetic.rows import SubmissionRows, submissions
from hub.synthetic.world import build_world
from hub.synthetic.writing import write_submissions

BENCHMARK_STATES: tuple[str, ...] = ("TX", "CA", "FL", "WA", "MI", "NC", "OR", "GA", "ID", "NY")

# fmt: off
NATIONAL_STATES: tuple[str, ...] = (
    *BENCHMARK_STATES,
    "AZ", "KS", "CO", "PA", "AK", "NE", "IA", "OH", "IL", "AR", "MN", "KY", "SC", "NM", "WI", "MO",
    "IN", "MA", "NJ", "OK", "UT", "MD", "TN", "VA", "LA", "MS", "AL", "ME", "DE", "SD", "MT", "ND",
    "NV", "WY", "CT", "VT",
)
# fmt: on
"""The 46 states of a national run (``msix bench pipeline --states 46``): the fifty less the four
left out here, Hawaii, New Hampshire, Rhode Island and West Virginia. Which states run a Migrant
Education Program changes over the years (a state with few eligible children can decline the
grant), and the hub's own list was not at hand; these four have the least farm, food-processing
and fishing work that draws migrant families, and have had no program or the smallest ones in
recent years, so they are the ones left out. Puerto Rico, which has a program, is not a state of
the synthetic world. The benchmark's ten come first, in their order, so the first ten are
``BENCHMARK_STATES``; the others follow roughly by the size of their programs, largest first (an
estimate), so the first N of them is a plausible N-state run."""

_ROWS_PER_CHILD = 16
"""A first guess (it is 15 to 18 with most states), to size the first cohort."""
_PLANNED = 0.95
"""The share of ``n_events`` planned on the first cohort's rows per child; small top-up cohorts,
sized on every row so far, then bring the total within half a percent of ``n_events``."""


@dataclass(frozen=True, slots=True)
class _Recipe:
    """What the worlds of every cohort share."""

    seed: int
    states: tuple[str, ...]
    school_year_start: int
    bad_row_rate: float


@dataclass(frozen=True, slots=True)
class _Cohort:
    """One district batch of the benchmark: ``size`` children, keys from ``first_child``."""

    batch: int
    size: int
    first_child: int
    recipe: _Recipe

    def submissions(self) -> Iterator[SubmissionRows]:
        r = self.recipe
        world = build_world(r.seed * 1_000_003 + self.batch, self.size, r.states, r.school_year_start,
                            first_child=self.first_child)  # fmt: skip
        return submissions(world, r.bad_row_rate, batch=self.batch)

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
    child call for; top-ups. A stage depends only on the rows of the stages before it."""

    n_events: int
    cohort: int
    recipe: _Recipe
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
            out.append(_Cohort(self.batches, size, self.allocated, self.recipe))
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
    plan = _Plan(n_events, cohort, _Recipe(seed, tuple(states), school_year_start, bad_row_rate))
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
    plan = _Plan(n_events, cohort, _Recipe(seed, tuple(states), school_year_start, bad_row_rate))
    folders: list[Path] = []
    with ExitStack() as stack:
        pool = None
        if workers > 1:
            # Cohorts are independent: each process builds and writes its own; only paths come back.
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")))
        while stage := plan.next_stage():
            dirs = [out_dir] * len(stage)
            outs = pool.map(_Cohort.write, stage, dirs) if pool else map(_Cohort.write, stage, dirs)
            for cohort_, (paths, rows) in zip(stage, outs, strict=True):
                folders.extend(paths)
                plan.done(cohort_, rows)
    return folders
