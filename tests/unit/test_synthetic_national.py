"""The synthetic world of the 46 MEP states (issue 19's national run), and the proof that the worlds
of the earlier state lists (the benchmark's ten, the demo's six) are drawn exactly as before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.bench import pipeline
from hub.cli import bench_cmds
from hub.synthetic import BENCHMARK_STATES, DEFAULT_STATES, SubmissionRows, build_world, events_for, submissions
from hub.synthetic.benchmark import NATIONAL_STATES
from hub.synthetic.calendars import CALENDARS, on
from hub.synthetic.places import CITIES, PRIOR_MOVE_STATES, STATE_FIPS, school_for
from hub.synthetic.streams import STREAMS, streams_for

# Digests of the rows, taken on 5edf91e, before the national states were added.
BENCHMARK_20K = (20_197, "466eaf415f9408c64082437b3af919df359f150ef0a05e0f6767197d60dc1b75")
DEMO_300 = (4_790, "b7786ea989b492857304941995ba26573c456fe71004e219282c15fd530a9d47")
BENCHMARK_BAD_5K = (5_944, "50eacc5ce3f21ed33d169e00b6e0ecef1a2b58c9739d0580f43858dbff874adb")


def _digest(subs: Iterable[SubmissionRows]) -> tuple[int, str]:
    h = hashlib.sha256()
    rows = 0
    for sub in subs:
        cells = [sub.state, sub.submitted_at.isoformat(), sub.source_system, sub.batch, sub.rows_by_file]
        h.update(json.dumps([*cells, [str(bad) for bad in sub.bad_rows]], sort_keys=True).encode())
        rows += sub.rows
    return rows, h.hexdigest()


def test_the_benchmark_stream_is_drawn_as_before() -> None:
    assert _digest(events_for(20_000, BENCHMARK_STATES, seed=1)) == BENCHMARK_20K
    assert _digest(events_for(5_000, BENCHMARK_STATES, seed=3, bad_row_rate=0.05)) == BENCHMARK_BAD_5K


def test_the_demo_world_is_drawn_as_before() -> None:
    world = build_world(7, 300, DEFAULT_STATES, 2025)
    assert _digest(submissions(world, 0.05)) == DEMO_300


def test_national_states_are_46_with_the_benchmark_ten_first() -> None:
    assert len(NATIONAL_STATES) == len(set(NATIONAL_STATES)) == 46
    assert NATIONAL_STATES[:10] == BENCHMARK_STATES
    assert set(NATIONAL_STATES) == set(CITIES) == set(STATE_FIPS) == set(CALENDARS)
    assert not {"HI", "NH", "RI", "WV", "PR", "DC"} & set(NATIONAL_STATES)
    first = ("TX", "CA", "FL", "WA", "MI", "NC", "OR", "GA", "ID", "NY", "AZ", "OH", "PA", "MN", "CO")
    assert tuple(CITIES)[:15] == PRIOR_MOVE_STATES == first  # the first world's, in their order


@pytest.mark.parametrize("state", NATIONAL_STATES)
def test_every_state_has_towns_fips_and_a_calendar(state: str) -> None:
    towns = CITIES[state]
    assert 3 <= len(towns) <= 9
    assert len({city for city, _ in towns}) == len(towns)
    assert len(STATE_FIPS[state]) == 2 and STATE_FIPS[state].isdigit()
    for city, district in towns:
        school = school_for(state, city, "high")
        assert school.district_name == district and school.nces_district_id.startswith(STATE_FIPS[state])
    cal = CALENDARS[state]
    start, end, (summer_start, summer_end) = on(2025, cal.start), on(2025, cal.end), map(on, (2025, 2025), cal.summer)
    assert cal.start[0] in (8, 9) and cal.end[0] in (5, 6)
    assert start < end < summer_start < summer_end <= on(2025, (7, 31))
    assert 1 <= cal.submit_day <= 14 and cal.terms in ("S", "B", "T", "FY")


def test_fips_codes_are_distinct() -> None:
    assert len(set(STATE_FIPS.values())) == len(STATE_FIPS)


def test_every_national_state_is_on_a_real_stream() -> None:
    """Reached by a stream of STREAMS (not only the plain two-state stream made up for a state no
    stream reaches, nor its stayers)."""
    usable = streams_for(NATIONAL_STATES)
    real = [s for s in usable if s in STREAMS]
    assert {leg.state for s in real for leg in s.legs} == set(NATIONAL_STATES)
    assert len(real) == len(STREAMS)  # every stream is usable in a national world
    assert not [s.name for s in usable if s not in STREAMS and not s.name.endswith("-stay")]


def test_new_streams_stay_out_of_the_earlier_worlds() -> None:
    """Every stream with a national state has a leg outside the first fifteen, so the worlds of the
    earlier state lists never draw it; the first fifteen's own streams are the ones they had."""
    first = set(PRIOR_MOVE_STATES)
    old = [s for s in STREAMS if all(leg.state in first for leg in s.legs)]
    assert [s.name for s in old] == [s.name for s in STREAMS[: len(old)]]
    assert len(old) == 25
    for states in (BENCHMARK_STATES, DEFAULT_STATES, PRIOR_MOVE_STATES):
        assert all(s in old for s in streams_for(states) if s in STREAMS)


def test_streams_fit_their_states_school_years() -> None:
    """A school leg's dates fall in its state's school year; a summer leg's state runs a summer program."""
    for stream in STREAMS:
        for leg in stream.legs:
            cal = CALENDARS[leg.state]
            if leg.start is not None:
                assert on(2025, cal.start) <= on(2025, leg.start) < on(2025, cal.end), stream.name
            if leg.end is not None:
                assert on(2025, cal.start) < on(2025, leg.end) <= on(2025, cal.end), stream.name


def test_a_small_national_world_has_children_in_every_state() -> None:
    world = build_world(5, 3000, NATIONAL_STATES, 2025)
    reported = {state for ids in world.truth.identities.values() for state in ids}
    assert reported == set(NATIONAL_STATES)
    rows = sum(sub.rows for sub in submissions(world, 0.01))
    assert 12 <= rows / 3000 <= 20  # about sixteen events a child, as in the benchmark's ten


def test_the_national_stream_comes_from_all_46_states() -> None:
    subs = list(events_for(20_000, NATIONAL_STATES, seed=1))
    states = {sub.state for sub in subs}
    assert states <= set(NATIONAL_STATES) and len(states) >= 40  # 1,250 children: a small state may miss
    assert 19_900 <= sum(sub.rows for sub in subs) <= 20_100


def test_the_pipeline_bench_runs_the_benchmark_states_by_default() -> None:
    import inspect

    assert inspect.signature(pipeline.run).parameters["states"].default == BENCHMARK_STATES


@pytest.mark.parametrize("count", ["0", "47", "ten"])
def test_bench_pipeline_states_out_of_range(count: str) -> None:
    result = CliRunner().invoke(bench_cmds.bench_app, ["pipeline", "--states", count])
    assert result.exit_code == 2
    assert "--states" in result.output


@pytest.mark.parametrize(("count", "first"), [([], BENCHMARK_STATES), (["--states", "46"], NATIONAL_STATES)])
def test_bench_pipeline_states_takes_the_first_n(
    monkeypatch: pytest.MonkeyPatch, count: list[str], first: tuple[str, ...]
) -> None:
    seen: dict[str, Any] = {}

    def run(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)
        raise SystemExit(0)  # the figures are not the point here

    monkeypatch.setattr(bench_cmds, "_up", lambda: SimpleNamespace(database=None))
    monkeypatch.setattr(bench_cmds.db, "migrate", lambda _: None)
    monkeypatch.setattr(pipeline, "run", run)
    result = CliRunner().invoke(bench_cmds.bench_app, ["pipeline", "--events", "10000", *count])
    assert result.exit_code == 0, result.output
    assert seen["states"] == first
