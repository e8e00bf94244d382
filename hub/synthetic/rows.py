"""A world as the states report it: MDE submissions, one per state per submission date.

Rows are built per child and state as dated versions of each record (``versions``); a submission
carries the latest version of every record that changed since the state's previous submission: ``I``
the first time, ``U`` after, ``D`` when a record typed in by mistake is deleted. A share of the rows
is then spoiled (``bad_rows``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter

from hub.synthetic.bad_rows import BadRow, spoil_rows
from hub.synthetic.calendars import schedule
from hub.synthetic.columns import ENROLLMENTS, FILES, STUDENTS
from hub.synthetic.profiles import columns_of, picker, profile
from hub.synthetic.versions import Version, versions
from hub.synthetic.world import World


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
            for sent, row in _collapse(versions(life, state, world.school_year), submits[state], world.through):
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
        columns, pick = columns_of(state, name), picker(state, name)
        by_file[name] = [dict(zip(columns, pick((action, *values)), strict=True)) for _, action, values, _ in pending]
        spoilable[name] = [i for i, row in enumerate(pending) if row[3]]
    bad = spoil_rows(f"{world.seed}/{state}/{sent}/{batch}/bad", rate, by_file, spoilable)
    at = datetime.combine(sent, time(prof.hour), UTC) + timedelta(minutes=batch)
    system = prof.system if not batch else f"{prof.system} (batch {batch:03d})"
    return SubmissionRows(state, at, system, by_file, bad, batch)
