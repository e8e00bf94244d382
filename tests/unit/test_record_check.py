"""The hub re-checks every record with the connector's rules: table-driven, on decoded Avro values and
on the bytes a state could write to its topic itself."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import pytest

import schemas
from connectors import limits
from connectors.limits import Rule, rules_of
from connectors.mde.fields import ENVELOPE
from connectors.mde.rows import ROW_MODELS, CourseRow, EnrollmentRow, Problem, RowContext, StudentRow, validate_row
from consumers.decoding import MAX_KEPT_BYTES, DeadLetter, Parked, decode_message, held_rows
from consumers.record_check import RecordCheck, default_check
from hub.domain.records import Event
from producers.topics import Topics

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
NOW = datetime(2025, 9, 16, 12, tzinfo=UTC)
TS = datetime(2025, 9, 15, 10, tzinfo=UTC)
TOPICS = Topics("")
ENV = {"action": "I", "state": "TX", "state_student_id": "TX-1", "source_ts": TS, "submission_id": "s" * 32}

GOOD: dict[str, dict[str, Any]] = {
    "StudentIdentity": {
        **ENV,
        "first_name": "José",
        "last_name_1": "Núñez",
        "last_name_2": "Peña",
        "sex": "M",
        "birth_date": date(2012, 2, 29),
        "birth_state": "Oaxaca",  # free text: born outside the United States
        "move_to_state": "WA",
        "msix_id": "123456789012",
        "qad": date(2025, 8, 1),
    },
    "Enrollment": {
        **ENV,
        "enrollment_id": "E1",
        "enrollment_date": date(2025, 8, 20),
        "facility_state": "TX",
        "grade_level": "KG",
        "comment": "first line\r\nsecond\tline",  # the one field where lines are text
        "graduation_date": date(2037, 6, 1),
    },
    "Course": {
        **ENV,
        "course_id": "C1",
        "school_year": "2025-2026",
        "course_title": "Álgebra I",
        "subject_area": "02",
        "credits_granted": Decimal("99999.999"),
    },
    "Assessment": {**ENV, "assessment_id": "A1", "administration_date": "2025-04", "content": "MATH"},
}


def record(family: str, **changes: Any) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, **GOOD[family], **changes}


def decoded(family: str, **changes: Any) -> Event | DeadLetter:
    data = hostile_encode(family, record(family, **changes))
    return decode_message(TOPICS, "state.TX.records", 2, 41, b"TX-1", data, NOW)


def hostile_encode(family: str, value: dict[str, Any]) -> bytes:
    """What a state's own client could write: the current schema's header and fingerprint, with a
    datum our encoder would refuse (decimals of any precision: the canonical form, hence the
    fingerprint, has no precision)."""
    version = schemas.default_registry().current(family)
    raw = json.loads(json.dumps(version.raw).replace('"precision": 8', '"precision": 30'))
    out = io.BytesIO(version.header)
    out.seek(len(version.header))
    fastavro.schemaless_writer(out, fastavro.parse_schema(raw), value)
    return out.getvalue()


@pytest.mark.parametrize("family", GOOD)
def test_good_records_pass(family: str) -> None:
    assert isinstance(decoded(family), Event)


# (family, changes, the first bad field, what the reason says). Each is an attack seen or foreseen.
BAD: list[tuple[str, dict[str, Any], str | None, str]] = [
    ("StudentIdentity", {"state_student_id": "x" * 6000}, "state_student_id", "longer than its limit of 64"),
    ("StudentIdentity", {"first_name": "A" * 76}, "first_name", "longer than its limit of 75 characters"),
    ("StudentIdentity", {"last_name_1": "Ru\x00iz"}, "last_name_1", "contains a control character"),
    ("StudentIdentity", {"first_name": "Ana\nMaría"}, "first_name", "contains a control character"),
    ("StudentIdentity", {"birth_city": "x\x85y"}, "birth_city", "contains a control character"),  # C1 NEL
    ("StudentIdentity", {"move_to_state": "tx.acks"}, "move_to_state", "is not a USPS state code"),
    ("StudentIdentity", {"move_to_state": "ZZ"}, "move_to_state", "is not a USPS state code"),
    ("StudentIdentity", {"sex": "Q"}, "sex", "is not one of F, M, X"),
    ("StudentIdentity", {"msix_id": "12345"}, "msix_id", "is not a 12-digit MSIX id"),
    ("StudentIdentity", {"birth_date": date(1899, 12, 31)}, "birth_date", "is outside 1900-01-01..2099-12-31"),
    ("StudentIdentity", {"qad": date(9999, 12, 31)}, "qad", "is outside 1900-01-01..2099-12-31"),
    ("StudentIdentity", {"birth_date": date(2025, 9, 16)}, "birth_date", "is after the submission date"),
    ("StudentIdentity", {"qad": date(2041, 1, 1)}, "qad", "is more than 15 years after the submission date"),
    ("StudentIdentity", {"first_name": None}, "first_name", "is required for action I"),
    ("StudentIdentity", {"action": "X"}, "action", "is not one of D, I, U"),
    ("StudentIdentity", {"event_id": "G" * 32}, "event_id", "is not 32 hexadecimal digits"),
    ("StudentIdentity", {"submission_id": "s" * 65}, "submission_id", "longer than its limit of 64"),
    ("StudentIdentity", {"source_ts": NOW + timedelta(days=30)}, "source_ts", "ahead of the hub's clock"),
    ("StudentIdentity", {"source_ts": datetime(1999, 1, 1, tzinfo=UTC)}, "source_ts", "is before 2000-01-01"),
    ("Enrollment", {"enrollment_id": "E" * 129}, "enrollment_id", "longer than its limit of 128"),
    ("Enrollment", {"enrollment_id": ""}, None, "enrollment_id is empty"),
    ("Enrollment", {"state_student_id": ""}, None, "state_student_id is empty"),
    ("Enrollment", {"facility_state": "Texas"}, "facility_state", "is not a USPS state code"),
    ("Enrollment", {"comment": "x" * 1001}, "comment", "longer than its limit of 1000"),
    ("Enrollment", {"comment": "bell\x07"}, "comment", "contains a control character"),
    ("Enrollment", {"school_name": "S" * 101}, "school_name", "longer than its limit of 100"),
    ("Enrollment", {"grade_level": "13"}, "grade_level", "is not one of"),
    ("Enrollment", {"withdrawal_date": date(2025, 8, 19)}, "withdrawal_date", "is before enrollment_date"),
    ("Course", {"course_title": "T" * 201}, "course_title", "longer than its limit of 200"),
    ("Course", {"school_year": "2025-2027"}, "school_year", "is not a school year"),
    ("Course", {"subject_area": "2"}, "subject_area", "is not a two-digit SCED subject code"),
    ("Course", {"credits_granted": Decimal("-1.000")}, "credits_granted", "not negative, below 100000"),
    ("Course", {"credits_attempted": Decimal("1000000.000")}, "credits_attempted", "below 100000"),
    ("Assessment", {"administration_date": "1850-01"}, "administration_date", "is not a month"),
    ("Assessment", {"score": "9" * 61}, "score", "longer than its limit of 60"),
    ("Assessment", {"type": "06"}, "type", "is not one of 01, 02, 03, 04, 05"),
]


@pytest.mark.parametrize(("family", "changes", "field", "reason"), BAD, ids=[f"{b[2]}-{b[3][:24]}" for b in BAD])
def test_bad_records_are_dead_lettered_with_field_and_rule(
    family: str, changes: dict[str, Any], field: str | None, reason: str
) -> None:
    letter = decoded(family, **changes)
    assert isinstance(letter, DeadLetter) and not isinstance(letter, Parked), letter
    value = letter.value
    assert value["column"] == field and reason in value["reason"] and value["reason"].startswith("invalid record")
    assert (value["source_topic"], value["source_partition"], value["source_offset"]) == ("state.TX.records", 2, 41)
    assert value["stage"] == "hub" and value["state"] == "TX"
    for bad in changes.values():  # the state's value is never quoted back (nor logged with the reason)
        if isinstance(bad, str) and len(bad) > 2:
            assert bad not in value["reason"]
    schemas.encode("RejectedRecord", value)  # and it is a RejectedRecord


def test_several_bad_fields_are_all_named_first_one_first() -> None:
    letter = decoded("StudentIdentity", first_name="A" * 80, sex="Q", move_to_state="tx.acks")
    assert isinstance(letter, DeadLetter)
    assert letter.value["column"] == "first_name"
    assert letter.value["reason"] == (
        "invalid record: first_name is longer than its limit of 75 characters; "
        "sex is not one of F, M, X; move_to_state is not a USPS state code"
    )


def test_a_record_of_another_state_is_refused_as_before() -> None:
    letter = decoded("Enrollment", state="CA")
    assert isinstance(letter, DeadLetter)
    assert letter.value["reason"] == "record of state CA on the topic of state TX"
    odd = decoded("Enrollment", state="<script>")
    assert isinstance(odd, DeadLetter) and "<script>" not in odd.value["reason"]


def test_delete_needs_only_keys_and_a_no_break_space_is_text() -> None:
    assert isinstance(decoded("StudentIdentity", action="D", first_name=None, sex=None, birth_date=None), Event)
    assert isinstance(decoded("StudentIdentity", first_name="Ana\u00a0María"), Event)


def test_a_huge_key_is_cut_in_the_rejection() -> None:
    data = schemas.encode("StudentIdentity", record("StudentIdentity", state_student_id="x" * 6000))
    letter = decode_message(TOPICS, "state.TX.records", 0, 1, b"x" * 6000, data, NOW)
    assert isinstance(letter, DeadLetter)
    assert len(letter.value["state_student_id"]) <= limits.ID + 3
    assert letter.key == b"x" * 6000 and letter.data == data  # kept whole for a replay


def test_a_key_with_control_characters_is_shown_without_them() -> None:
    letter = decode_message(TOPICS, "state.TX.records", 0, 1, b"TX\x1b[2J\xc2\x9b1", b"junk", NOW)
    assert isinstance(letter, DeadLetter) and letter.value["state_student_id"] == "TX\ufffd[2J\ufffd1"


def test_an_unknown_schema_is_parked_not_rejected() -> None:
    data = b"\xc3\x01" + bytes(range(8)) + b"a newer connector's datum"
    parked = decode_message(TOPICS, "state.TX.records", 1, 7, b"TX-1", data, NOW)
    assert isinstance(parked, Parked) and parked.status == "parked" and parked.data == data
    garbage = decode_message(TOPICS, "state.TX.records", 1, 8, b"TX-1", b"not avro", NOW)
    assert isinstance(garbage, DeadLetter) and not isinstance(garbage, Parked)
    rows = held_rows([parked, garbage, decoded("Course")])
    assert [(r[1], r[2], r[6]) for r in rows] == [(1, 7, "parked"), (1, 8, "rejected")]
    assert rows[0][5] == data and rows[1][5] == b"not avro"


def test_a_huge_rejected_message_is_not_kept_whole_but_a_parked_one_is() -> None:
    huge = b"\x00" * (MAX_KEPT_BYTES + 1)
    rejected = decode_message(TOPICS, "state.TX.records", 0, 1, b"k", huge, NOW)
    parked = decode_message(TOPICS, "state.TX.records", 0, 2, b"k", b"\xc3\x01" + bytes(8) + huge, NOW)
    (r, p) = held_rows([rejected, parked])
    assert r[5] is None and r[7].startswith("undecodable") and p[5] is not None


# --- one source of truth -------------------------------------------------------------------------


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_the_hub_checks_every_avro_field_with_the_row_models_own_rule(model: Any) -> None:
    family = default_check()._families[model.FAMILY]
    avro = json.loads((SCHEMAS / _schema_file(model.FAMILY)).read_text())
    names = [f["name"] for f in avro["fields"]]
    assert set(family.rules) | {"source_ts"} == set(names)
    for name, info in model.model_fields.items():
        assert family.rules[name] is rules_of(info.annotation, info.metadata)[0]  # the same object
    for name in ("event_id", "state", "submission_id"):
        assert family.rules[name] is ENVELOPE[name]


def test_every_text_limit_keeps_an_index_row_far_under_the_btree_limit() -> None:
    widest = max(r.limit for r in _all_rules() if isinstance(r, limits.Text) and r is not None and r.limit < 1000)
    assert widest * 4 < 2704 / 2  # four bytes a character in UTF-8, half of PostgreSQL's limit
    assert limits.ID * 4 + limits.KEY * 4 + 64 < 2704 / 2  # the record table's primary key


@pytest.mark.parametrize(
    ("model", "changes", "column", "reason"),
    [
        (StudentRow, {"first_name": "A" * 76}, "first_name", "first_name is longer than its limit of 75 characters"),
        (StudentRow, {"state_student_id": "x" * 65}, "state_student_id", "its limit of 64 characters"),
        (StudentRow, {"last_name_1": "Ruiz\tPérez"}, "last_name_1", "last_name_1 contains a control character"),
        (StudentRow, {"birth_date": "1899-12-31"}, "birth_date", "birth_date is outside 1900-01-01..2099-12-31"),
        (StudentRow, {"qad": "2041-01-01"}, "qad", "qad '2041-01-01' is more than 15 years after the submission"),
        (EnrollmentRow, {"comment": "c" * 1001}, "comment", "comment is longer than its limit of 1000 characters"),
        (CourseRow, {"school_year": "2099-2100"}, "school_year", "is not a school year"),
    ],
)
def test_the_connector_enforces_the_same_limits(model: Any, changes: dict[str, str], column: str, reason: str) -> None:
    good = {
        StudentRow: {"first_name": "A", "last_name_1": "B", "sex": "F", "birth_date": "2015-01-01"},
        EnrollmentRow: {"enrollment_id": "E1", "enrollment_date": "2025-08-20"},
        CourseRow: {"course_id": "C1", "school_year": "2025-2026", "course_title": "T"},
    }[model]
    fields = {"action": "I", "state_student_id": "TX-1", **good, **changes}
    problem = validate_row(model, fields, RowContext(today=date(2025, 9, 15)))
    assert isinstance(problem, Problem) and problem.column == column and reason in problem.reason, problem
    assert "A" * 76 not in problem.reason and "x" * 65 not in problem.reason


def test_a_check_of_a_model_without_a_rule_is_refused() -> None:
    class Loose(CourseRow):
        extra_text: str | None = None

    with pytest.raises(TypeError, match="extra_text has 0 rules"):
        RecordCheck((Loose,))


def _schema_file(family: str) -> str:
    return {
        "StudentIdentity": "student_identity.avsc",
        "Enrollment": "enrollment.avsc",
        "Course": "course.avsc",
        "Assessment": "assessment.avsc",
    }[family]


def _all_rules() -> list[Rule]:
    return [r for m in ROW_MODELS for f in m.model_fields.values() for r in rules_of(f.annotation, f.metadata)]


@pytest.mark.parametrize(
    "changes",
    [{"first_name": "A" * 76}, {"last_name_1": "Ruiz\x00"}, {"birth_city": "x" * 61}, {"qad": "2041-01-01"}],
)
def test_the_edfi_connector_refuses_the_same_values_as_the_mde_one(changes: dict[str, str]) -> None:
    from connectors.edfi.rows import RowChecker

    fields = {"action": "I", "state_student_id": "TX-1", "first_name": "A", "last_name_1": "B", "sex": "F"}
    fields |= {"birth_date": "2015-01-01", **changes}
    context = RowContext(today=date(2025, 9, 15))
    problem = RowChecker().check(StudentRow, fields, context)
    assert isinstance(problem, Problem) and problem == validate_row(StudentRow, fields, context)
