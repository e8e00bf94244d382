"""``hub.bench.stored``: the rows a stored child is loaded as (``bench pipeline --stored``,
``bench identity-speed``), without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import schemas
from hub.bench import stored
from hub.domain.identity import FACT_COLUMNS
from hub.domain.msix_id import FIRST_SERIAL, from_serial, is_valid
from hub.identity.matcher import ProbabilisticMatcher
from hub.synthetic import BENCHMARK_STATES
from hub.synthetic.people import state_student_id

ENVELOPE = {"event_id", "action", "state", "state_student_id", "source_ts", "submission_id"}


def _avro_fields(name: str) -> set[str]:
    schema = json.loads((Path(schemas.__file__).parent / f"{name}.avsc").read_text())
    return {f["name"] for f in schema["fields"]} - ENVELOPE


def test_the_children_are_the_same_for_a_seed_and_others_for_another() -> None:
    assert list(stored.children(4, 300)) == list(stored.children(4, 300))
    assert len(list(stored.children(4, 300))) == 300
    assert [f for f, *_ in stored.children(4, 50)] != [f for f, *_ in stored.children(5, 50)]


def test_state_student_ids_are_never_ones_the_generator_makes() -> None:
    ours = {r.state_student_id for r, _, _ in stored.reports(1, 2000)}
    assert len(ours) == 2000
    # The generator's ids are a fixed prefix and a fixed count of digits a state: two ids can only
    # be equal if they have the same length and begin alike.
    shapes = {
        (len(state_student_id(s, k)), state_student_id(s, k)[:2]) for s in BENCHMARK_STATES for k in (1, 7, 10**6)
    }
    assert all((len(ssid), ssid[:2]) not in shapes for ssid in ours)


def test_msix_ids_are_far_beyond_the_sequence() -> None:
    first = from_serial(stored.PIPELINE_FIRST_SERIAL + 1)
    last = from_serial(stored.PIPELINE_FIRST_SERIAL + 10_000_000)
    assert is_valid(first) and is_valid(last)
    # A store would need 80 billion children of its own before msix_serial reached them.
    assert int(first[:11]) - FIRST_SERIAL > 79_000_000_000


def test_each_child_has_a_student_and_an_enrollment_record_as_the_worker_stores_them() -> None:
    records = stored.Records(seed=2, year=2022)
    rows = [row for r, fam, child in stored.reports(2, 200) for row in records.rows(r, fam, child)]
    assert [row[2] for row in rows[:2]] == ["student", "enrollment"] and len(rows) == 400
    for state, ssid, family, key, fields_json, source_ts, _event in rows:
        fields = json.loads(fields_json)
        assert state in BENCHMARK_STATES and ssid.startswith(state)
        schema = "student_identity" if family == "student" else "enrollment"
        assert set(fields) == _avro_fields(schema)  # the decoded value less the envelope, nulls kept
        assert key == ("" if family == "student" else fields["enrollment_id"]) and len(key) in (0, 12)
        assert "" not in fields.values()  # an empty cell is stored as null
        assert datetime(2022, 7, 1, tzinfo=UTC) <= source_ts < datetime(2023, 1, 1, tzinfo=UTC)
    assert len({row[-1] for row in rows}) == len(rows)  # one event each
    student = json.loads(rows[0][4])
    assert student["qad"] <= student["eligibility_expiration_date"] and len(student["qad"]) == 10


def test_records_are_the_same_for_a_seed() -> None:
    def rows(seed: int) -> list[stored.RecordRow]:
        records = stored.Records(seed=seed, year=2022)
        return [row for r, fam, child in stored.reports(9, 50) for row in records.rows(r, fam, child)]

    assert rows(1) == rows(1)
    assert rows(1) != rows(2)


def test_a_chunk_holds_the_rows_of_each_table_in_its_column_order() -> None:
    matcher = ProbabilisticMatcher()
    chunk = stored.Chunk()
    for facts, *_ in stored.children(3, 20):
        chunk.add("900000000018", facts, matcher.blocking_keys(facts), [])
    assert len(chunk.children) == len(chunk.identities) == 20
    facts, *_ = next(stored.children(3, 1))
    first = chunk.identities[0]
    assert len(first) == 3 + len(FACT_COLUMNS) + 1
    assert first[:3] == (facts.state, facts.state_student_id, "900000000018")
    assert first[-1] == matcher.blocking_keys(facts)  # the keys of its blocking rows, as the worker writes them
    assert len(chunk.blocks) == sum(len(matcher.blocking_keys(f)) for f, *_ in stored.children(3, 20))
