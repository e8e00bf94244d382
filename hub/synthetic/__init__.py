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

The modules, in the order the data flows:

- data: ``names`` (people), ``places`` (towns, schools), ``curriculum`` (courses, tests);
  ``draws`` (cheap random draws), ``calendars`` (school years, submission dates);
- the year: ``people`` (families, ids) -> ``streams`` (crop-stream legs) -> ``stays``
  (enrollments, moves) -> ``schooling`` (courses, tests) -> ``world`` (``build_world``, ``Truth``);
- the states' reports: ``columns`` and ``profiles`` (each record system's habits) -> ``versions``
  (a child's dated records) -> ``rows`` (submissions) with ``bad_rows`` (defects on purpose)
  -> ``writing`` (folders on disk); ``benchmark`` (``events_for``, ``write_events``);
  ``edfi`` (each state's records as they stand, written as Ed-Fi interchanges).
"""

from hub.synthetic.bad_rows import BadRow
from hub.synthetic.benchmark import BENCHMARK_STATES, events_for, write_events
from hub.synthetic.places import SUPPORTED_STATES
from hub.synthetic.rows import SubmissionRows, submissions
from hub.synthetic.stays import Move
from hub.synthetic.world import DEFAULT_STATES, Truth, World, build_world
from hub.synthetic.writing import write_all, write_submissions

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
