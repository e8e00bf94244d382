"""Synthetic migrant children and the MDE submissions states make about them.

Deterministic from a seed: no global random state, no clock (the school year and the last day,
``through``, are passed in). Used by ``msix demo``, the pipeline benchmark and the tests::

    world = build_world(seed=7, children=300, states=DEFAULT_STATES, school_year_start=2025)
    folders = write_all(world, out_dir, bad_row_rate=0.01)  # out_dir/<ST>/<date>/, in time order
    world.truth.identities        # child -> {state: state student id}
    world.truth.move_counts()     # {"departure": .., "arrival": .., "unreported": ..}

    for sub in events_for(1_000_000, BENCHMARK_STATES, seed=1):  # memory stays flat
        ...
    write_events(1_000_000, out_dir, BENCHMARK_STATES, seed=1, workers=2)  # the same, on disk
"""

from hub.synthetic.history import Move, Truth, World, build_world
from hub.synthetic.names import SUPPORTED_STATES
from hub.synthetic.submissions import (
    BENCHMARK_STATES,
    DEFAULT_STATES,
    BadRow,
    SubmissionRows,
    events_for,
    submissions,
    write_all,
    write_events,
    write_submissions,
)

__all__ = [
    "BENCHMARK_STATES",
    "DEFAULT_STATES",
    "SUPPORTED_STATES",
    "BadRow",
    "Move",
    "SubmissionRows",
    "Truth",
    "World",
    "build_world",
    "events_for",
    "submissions",
    "write_all",
    "write_events",
    "write_submissions",
]
