"""The synthetic world: deterministic, in the contract's columns and codes, and rich enough to test
the hub on (twins, accents, crop-stream moves, transfers, updates, deletes, bad rows)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors import codes
from connectors.mde.reader import Rejected, open_submission
from connectors.mde.rows import ROW_MODELS
from hub.synthetic import (
    DEFAULT_STATES,
    SubmissionRows,
    World,
    build_world,
    events_for,
    submissions,
    write_all,
    write_events,
)
from hub.synthetic.columns import COLUMNS
from hub.synthetic.names import strip_accents

CONTRACT = {model.FILE: model.columns() for model in ROW_MODELS}
SCED_SUBJECTS = {f"{n:02d}" for n in range(1, 25)} - {"06"}  # 06 was retired for 24 world languages
DATE_COLUMNS = {
    "birth_date", "qad", "eligibility_expiration_date", "enrollment_date", "withdrawal_date",
    "residency_date", "graduation_date",
}  # fmt: skip
CODES: dict[str, frozenset[str] | set[str]] = {
    "action": codes.ACTION,
    "state_student_id_type": codes.STATE_STUDENT_ID_TYPE,
    "sex": codes.SEX,
    "multiple_birth": codes.YES_NO,
    "move_to_state": codes.USPS,
    "enrollment_type": codes.ENROLLMENT_TYPE,
    "facility_state": codes.USPS,
    "grade_level": codes.GRADE_LEVEL,
    "lep": codes.YES_NO,
    "iep": codes.YES_NO,
    "pfs": codes.YES_NO,
    "medical_alert": codes.MEDICAL_ALERT,
    "immunization_record": codes.YES_NO,
    "algebra1_or_equivalent": codes.YES_NO,
    "term_type": codes.TERM_TYPE,
    "subject_area": SCED_SUBJECTS,
    "course_type": codes.COURSE_TYPE,
    "in_progress": codes.YES_NO,
    "content": codes.CONTENT,
    "type": codes.ASSESSMENT_TYPE,
}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(seed=7, children=300, states=DEFAULT_STATES, school_year_start=2025)


@pytest.fixture(scope="module")
def clean(world: World) -> list[SubmissionRows]:
    return list(submissions(world, bad_row_rate=0.0))


def rows_of(subs: list[SubmissionRows], file: str) -> Iterator[tuple[SubmissionRows, dict[str, str]]]:
    for sub in subs:
        for row in sub.rows_by_file.get(file, []):
            yield sub, row


def by_child(world: World, subs: list[SubmissionRows], file: str) -> dict[int, list[tuple[str, dict[str, str]]]]:
    out: dict[int, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for sub, row in rows_of(subs, file):
        key = world.truth.child_of(sub.state, row["state_student_id"])
        assert key is not None, (sub.state, row["state_student_id"])
        out[key].append((sub.state, row))
    return out


# --- determinism -----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_rows() -> None:
    first = list(submissions(build_world(3, 120, DEFAULT_STATES, 2025), 0.02))
    again = list(submissions(build_world(3, 120, DEFAULT_STATES, 2025), 0.02))
    other = list(submissions(build_world(4, 120, DEFAULT_STATES, 2025), 0.02))
    assert first == again
    assert first != other


def test_submissions_come_in_time_order_with_aware_timestamps(clean: list[SubmissionRows]) -> None:
    moments = [sub.submitted_at for sub in clean]
    assert moments == sorted(moments)
    assert all(m.tzinfo is not None for m in moments)
    assert len({(sub.state, sub.folder_name) for sub in clean}) == len(clean)


# --- the contract ----------------------------------------------------------------------------------


def test_columns_are_the_contracts(clean: list[SubmissionRows]) -> None:
    assert {name: tuple(cols) for name, cols in COLUMNS.items()} == CONTRACT
    for sub in clean:
        for name, rows in sub.rows_by_file.items():
            header = list(rows[0])
            assert header[:2] == ["action", "state_student_id"]
            assert set(header) <= set(CONTRACT[name]), (sub.state, name)
            assert all(list(row) == header for row in rows)


def test_codes_and_dates_are_from_the_contract(clean: list[SubmissionRows]) -> None:
    seen: Counter[str] = Counter()
    for sub in clean:
        for name, rows in sub.rows_by_file.items():
            for row in rows:
                for column, value in row.items():
                    if not value:
                        continue
                    seen[column] += 1
                    if column in CODES:
                        assert value in CODES[column], (name, column, value)
                    elif column in DATE_COLUMNS:
                        date.fromisoformat(value)
                    elif column == "administration_date":
                        assert re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", value)
                    elif column in ("credits_attempted", "credits_granted", "clock_hours"):
                        assert float(value) >= 0
    assert set(CODES) - {"suffix"} <= set(seen)  # every coded column is used somewhere


def test_the_connector_accepts_every_row_but_the_bad_ones(tmp_path: Path, world: World) -> None:
    subs = list(submissions(world, bad_row_rate=0.02))
    folders = write_all(world, tmp_path, bad_row_rate=0.02)
    assert len(folders) == len(subs)
    accepted = 0
    for folder, sub in zip(folders, subs, strict=True):
        assert folder == tmp_path / sub.state / sub.submitted_at.date().isoformat()
        rejected = set()
        for item in open_submission(folder, sub.state).items():
            if isinstance(item, Rejected):
                rejected.add((item.record["file"], item.record["line"], item.record["column"]))
            else:
                accepted += 1
        assert rejected == {(bad.file, bad.line, bad.column) for bad in sub.bad_rows}, sub.folder_name
    assert accepted == sum(sub.rows - sub.bad for sub in subs)


def test_write_all_takes_any_writer(tmp_path: Path) -> None:
    world = build_world(1, 40, ("TX", "MI"), 2025)
    calls: list[tuple[Path, str, int]] = []

    def writer(folder: Path, state: str, submitted_at: Any, source: str, rows: Any) -> None:
        assert source and submitted_at.tzinfo is not None
        calls.append((folder, state, sum(len(r) for r in rows.values())))

    folders = write_all(world, tmp_path, writer=writer)
    assert folders == [call[0] for call in calls]
    assert {call[1] for call in calls} == {"TX", "MI"}
    assert all(folder.parent.parent == tmp_path and folder.parent.name in ("TX", "MI") for folder in folders)


# --- people ----------------------------------------------------------------------------------------


def test_twins_share_a_birth_date_and_never_a_first_name(world: World) -> None:
    births: dict[tuple[int, date], list[str]] = defaultdict(list)
    for child in world.children:
        if child.multiple_birth:
            births[(child.family, child.birth_date)].append(child.first_name)
    assert births, "a 300-child world has twins"
    for names in births.values():
        assert len(names) >= 2
        assert len(set(names)) == len(names)


def test_siblings_share_surnames_and_have_distinct_names(world: World) -> None:
    families: dict[int, list[Any]] = defaultdict(list)
    for child in world.children:
        families[child.family].append(child)
    assert any(len(kids) >= 3 for kids in families.values())
    for kids in families.values():
        assert len({(k.last_name_1, k.last_name_2) for k in kids}) == 1
        assert len({k.first_name for k in kids}) == len(kids)
    assert any(c.last_name_2 for c in world.children) and any(not c.last_name_2 for c in world.children)
    assert any("-" in c.last_name_1 for c in world.children)


def test_a_child_has_a_different_id_in_each_state(world: World) -> None:
    per_state: dict[str, set[str]] = defaultdict(set)
    for ids in world.truth.identities.values():
        assert len(set(ids.values())) == len(ids)
        for state, sid in ids.items():
            assert sid not in per_state[state]
            per_state[state].add(sid)
    assert sum(len(ids) > 1 for ids in world.truth.identities.values()) >= 50


def test_states_report_the_same_child_with_and_without_accents(world: World, clean: list[SubmissionRows]) -> None:
    names: dict[int, dict[str, str]] = defaultdict(dict)
    for key, reports in by_child(world, clean, "students.csv").items():
        for state, row in reports:
            names[key][state] = f"{row['first_name']} {row['last_name_1']}"
    pairs = [(d["TX"], d["MI"]) for d in names.values() if "TX" in d and "MI" in d and d["TX"] != d["MI"]]
    assert any(strip_accents(tx) == mi for tx, mi in pairs), pairs[:5]  # José Ramírez / Jose Ramirez


# --- the year --------------------------------------------------------------------------------------


def test_the_demo_world_has_every_pattern(world: World, clean: list[SubmissionRows]) -> None:
    assert len({sub.state for sub in clean}) >= 5
    lives = world.lives
    assert any(len({s.state for s in life.stays}) >= 3 for life in lives)
    assert max(len({s.school for s in life.stays}) for life in lives) in (3, 4)
    actions = Counter((name, row["action"]) for sub in clean for name, rows in sub.rows_by_file.items() for row in rows)
    for name in ("students.csv", "enrollments.csv", "courses.csv"):
        assert actions[(name, "U")] > 0, name
    assert actions[("enrollments.csv", "D")] > 0
    enrollments = [row for _, row in rows_of(clean, "enrollments.csv")]
    assert {"01", "03"} <= {row["enrollment_type"] for row in enrollments}
    assert any(row["enrollment_type"] == "03" and row["facility_state"] in ("MI", "NC") for row in enrollments)
    courses = [row for _, row in rows_of(clean, "courses.csv")]
    assert any(row["in_progress"] == "Y" and row["grade_to_date"] for row in courses)
    assert {"01", "02", "03", "04", "08"} <= {row["subject_area"] for row in courses}
    assert {row["credits_attempted"] for row in courses} >= {"0.5", "1.0"}
    tests = [row for _, row in rows_of(clean, "assessments.csv")]
    assert {"01", "03", "04"} <= {row["type"] for row in tests}
    assert {"MATH", "SCI", "ELP"} <= {row["content"] for row in tests}
    assert {"READ", "ELA"} & {row["content"] for row in tests}


def test_a_course_is_reported_by_two_states(world: World, clean: list[SubmissionRows]) -> None:
    states: dict[tuple[int, str, str, str], set[str]] = defaultdict(set)
    for key, reports in by_child(world, clean, "courses.csv").items():
        for state, row in reports:
            states[(key, strip_accents(row["course_title"]).upper(), row["term_type"], row["nces_school_id"])].add(
                state
            )
    assert any(len(s) == 2 for s in states.values())


def test_a_grade_level_is_corrected_by_an_update(clean: list[SubmissionRows]) -> None:
    first: dict[tuple[str, str], str] = {}
    corrected = 0
    for sub, row in rows_of(clean, "enrollments.csv"):
        key = (sub.state, row["enrollment_id"])
        if row["action"] == "I":
            first[key] = row["grade_level"]
        elif row["action"] == "U" and first.get(key) not in (None, row["grade_level"]):
            corrected += 1
    assert corrected > 0


def test_moves_in_the_rows_are_the_truths(world: World, clean: list[SubmissionRows]) -> None:
    """Departures are move_to_state on a student row; arrivals are an enrollment never closed in one
    state followed by an enrollment in another; unreported moves are neither."""
    truth = world.truth
    counts = truth.move_counts()
    assert min(counts.values()) > 0, counts
    departures = {
        (truth.child_of(sub.state, row["state_student_id"]), sub.state, row["move_to_state"])
        for sub, row in rows_of(clean, "students.csv")
        if row["move_to_state"]
    }
    assert departures == {(m.child, m.from_state, m.to_state) for m in truth.moves if m.kind == "departure"}

    final: dict[tuple[str, str], dict[str, str]] = {}
    for sub, row in rows_of(clean, "enrollments.csv"):
        if row["action"] == "D":
            final.pop((sub.state, row["enrollment_id"]), None)
        else:
            final[(sub.state, row["enrollment_id"])] = {**row, "state": sub.state}
    per_child: dict[int | None, list[dict[str, str]]] = defaultdict(list)
    for (state, _), row in final.items():
        per_child[truth.child_of(state, row["state_student_id"])].append(row)
    arrivals = set()
    for key, rows in per_child.items():
        for open_row in (r for r in rows if not r["withdrawal_date"]):
            for later in rows:
                if later["state"] != open_row["state"] and later["enrollment_date"] > open_row["enrollment_date"]:
                    arrivals.add((key, open_row["state"], later["state"]))
                    assert later["enrollment_date"] > open_row["enrollment_date"]
    assert arrivals == {(m.child, m.from_state, m.to_state) for m in truth.moves if m.kind == "arrival"}
    for move in truth.moves:
        if move.kind != "arrival" and move.enrolled is not None:
            assert move.left < move.enrolled  # the withdrawal date is before the next enrollment


def test_through_cuts_the_year_short() -> None:
    world = build_world(5, 150, DEFAULT_STATES, 2025, through=date(2026, 1, 31))
    subs = list(submissions(world))
    assert max(sub.submitted_at.date() for sub in subs) == date(2026, 1, 31)
    latest: dict[tuple[str, str, str], dict[str, str]] = {}
    for sub, row in rows_of(subs, "courses.csv"):
        latest[(sub.state, row["state_student_id"], row["course_id"])] = row
    assert any(row["in_progress"] == "Y" for row in latest.values())  # courses still under way


def test_unknown_states_are_refused() -> None:
    with pytest.raises(ValueError, match="ZZ"):
        build_world(1, 10, ("TX", "ZZ"), 2025)


# --- bad rows --------------------------------------------------------------------------------------


def test_bad_rows_are_counted_and_look_like_a_record_system_made_them(world: World) -> None:
    subs = list(submissions(world, bad_row_rate=0.01))
    total, bad = sum(sub.rows for sub in subs), [b for sub in subs for b in sub.bad_rows]
    assert 0.005 * total <= len(bad) <= 0.015 * total
    assert {b.defect for b in bad} <= {
        "invalid_date",
        "unknown_code",
        "missing_required",
        "bad_sex",
        "negative_credits",
    }
    for sub in subs:
        for b in sub.bad_rows:
            row = sub.rows_by_file[b.file][b.line - 2]
            value = row[b.column]
            assert row["state_student_id"] == b.state_student_id
            assert {
                "bad_sex": value == "Q",
                "missing_required": value == "",
                "negative_credits": value.startswith("-"),
                "unknown_code": value not in codes.GRADE_LEVEL,
                "invalid_date": bool(re.fullmatch(r"\d{4}-(02-30|(04|06|09|11)-31|13)", value)),
            }[b.defect], (b, value)
    assert not any(sub.bad_rows for sub in submissions(world, bad_row_rate=0.0))


# --- the benchmark's stream ------------------------------------------------------------------------


def test_events_for_gives_about_n_rows_in_disjoint_cohorts() -> None:
    subs = list(events_for(30_000, ("TX", "CA", "FL", "WA", "MI"), seed=2, cohort=800))
    total = sum(sub.rows for sub in subs)
    assert 29_850 <= total <= 30_400
    assert len({sub.batch for sub in subs}) > 1
    assert len({(sub.state, sub.folder_name) for sub in subs}) == len(subs)
    inserted = Counter(
        (sub.state, row["state_student_id"]) for sub, row in rows_of(subs, "students.csv") if row["action"] == "I"
    )
    assert inserted.most_common(1)[0][1] == 1  # no two children of any cohorts share a state id
    again = list(events_for(30_000, ("TX", "CA", "FL", "WA", "MI"), seed=2, cohort=800))
    assert [s.rows for s in again] == [s.rows for s in subs]


def test_write_events_writes_the_same_folders_with_more_workers(tmp_path: Path) -> None:
    one = write_events(6_000, tmp_path / "one", ("TX", "MI", "FL"), seed=3, cohort=150)
    two = write_events(6_000, tmp_path / "two", ("TX", "MI", "FL"), seed=3, cohort=150, workers=2)
    assert [p.relative_to(tmp_path / "one") for p in one] == [p.relative_to(tmp_path / "two") for p in two]
    assert len({p.parent.name for p in one}) == 3
    for a, b in zip(one, two, strict=True):
        assert sorted(f.name for f in a.iterdir()) == sorted(f.name for f in b.iterdir())
        for f in a.iterdir():
            assert f.read_bytes() == (b / f.name).read_bytes()
    subs = list(events_for(6_000, ("TX", "MI", "FL"), seed=3, cohort=150))
    assert [sub.folder_name for sub in subs] == [p.name for p in one]
