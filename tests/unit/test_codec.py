"""The codec: single-object encoding, fingerprints, round trips, errors and schema evolution."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema
import pytest

import schemas
from schemas import (
    AvroDeserializer,
    AvroSerializer,
    BadMarker,
    Codec,
    EncodeError,
    Registry,
    SchemaError,
    TruncatedMessage,
    UndecodableMessage,
    UnknownFingerprint,
    UnknownSchema,
)

SCHEMA_DIR = Path(schemas.__file__).parent
UTC = dt.UTC
TS = dt.datetime(2025, 9, 2, 14, 30, 15, 123000, tzinfo=UTC)
COMMON = {
    "action": "I",
    "state": "TX",
    "state_student_id": "TX-000123456",
    "source_ts": TS,
    "submission_id": "3f2a9c0d5e6b7a8c",
}

RECORDS: dict[str, dict[str, Any]] = {
    "StudentIdentity": {
        **COMMON,
        "event_id": "ev-student-1",
        "state_student_id_type": "01",
        "msix_id": "123456789012",
        "first_name": "José",
        "middle_name": None,
        "last_name_1": "Ñúñez",
        "last_name_2": "García-López",
        "suffix": None,
        "sex": "M",
        "birth_date": dt.date(2013, 2, 28),
        "multiple_birth": "N",
        "birth_city": "Michoacán",
        "birth_state": None,
        "birth_country": "MEX",
        "parent1_first_name": "María",
        "parent1_last_name": "Ñúñez",
        "parent2_first_name": None,
        "parent2_last_name": None,
        "qad": dt.date(2025, 6, 15),
        "move_from_city": "Salinas",
        "move_from_state": "CA",
        "move_from_country": "USA",
        "move_to_city": "Pharr",
        "move_to_state": "TX",
        "eligibility_expiration_date": dt.date(2028, 6, 14),
    },
    "Enrollment": {
        **COMMON,
        "event_id": "ev-enrollment-1",
        "enrollment_id": "ENR-2025-0001",
        "enrollment_date": dt.date(2025, 8, 20),
        "withdrawal_date": None,
        "enrollment_type": "01",
        "school_name": "Escuela Primaria José Martí",
        "nces_school_id": "483510003921",
        "nces_district_id": "4835100",
        "district_name": "Pharr-San Juan-Alamo ISD",
        "facility_city": "Pharr",
        "facility_state": "TX",
        "grade_level": "05",
        "lep": "Y",
        "iep": "N",
        "pfs": "Y",
        "medical_alert": "C",
        "immunization_record": "Y",
        "residency_date": dt.date(2025, 8, 1),
        "designated_graduation_school": None,
        "graduation_date": None,
        "algebra1_or_equivalent": "N",
        "comment": "Llegó con su hermana; asma crónica.",
    },
    "Course": {
        **COMMON,
        "event_id": "ev-course-1",
        "course_id": "ALG1-01",
        "school_year": "2025-2026",
        "term_type": "S1",
        "course_title": "Álgebra I",
        "subject_area": "02",
        "course_type": "REG",
        "course_section": "3",
        "credits_attempted": Decimal("0.500"),
        "credits_granted": Decimal("0.25"),
        "final_grade": "B+",
        "clock_hours": Decimal("67.5"),
        "grade_to_date": None,
        "in_progress": "N",
        "nces_school_id": "483510003921",
    },
    "Assessment": {
        **COMMON,
        "event_id": "ev-assessment-1",
        "assessment_id": "STAAR-MATH-5",
        "title": "STAAR Grade 5 Mathematics",
        "content": "MATH",
        "type": "01",
        "administration_date": "2025-04",
        "reporting_method": "scale score",
        "score": "1542",
        "interpretation": "Meets Grade Level",
    },
    "MoveNotice": {
        "notice_id": "mv-7c1e",
        "msix_id": "123456789012",
        "kind": "departure",
        "from_state": "CA",
        "to_state": "TX",
        "to_city": "Pharr",
        "move_date": dt.date(2025, 8, 18),
        "first_name": "José",
        "last_name_1": "Ñúñez",
        "birth_date": dt.date(2013, 2, 28),
        "created_at": TS,
    },
    "NoticeReceipt": {
        "receipt_id": "rc-1",
        "notice_id": "mv-7c1e",
        "state": "TX",
        "kind": "acknowledged",
        "by": "User:state-TX (registrar Pharr ISD)",
        "at": TS,
    },
    "RejectedRecord": {
        "rejection_id": "rj-1",
        "state": "TX",
        "state_student_id": None,
        "stage": "connector",
        "submission_id": "3f2a9c0d5e6b7a8c",
        "file": "enrollments.csv",
        "line": 17,
        "column": "enrollment_date",
        "reason": "not a date: 2025-13-01",
        "record_family": "enrollment",
        "source_topic": None,
        "source_partition": None,
        "source_offset": 2**40,
        "rejected_at": TS,
    },
    "IdentityEvent": {
        "event_id": "id-1",
        "kind": "linked",
        "msix_id": "123456789012",
        "state": "CA",
        "state_student_id": "CA-998877",
        "other_msix_id": None,
        "reason": "same name, birth date and parent",
        "occurred_at": TS,
    },
    "DataRequest": {
        "request_id": "0123456789abcdef0123456789abcdef",
        "msix_id": "123456789012",
        "kind": "immunization",
        "text": "Año escolar 2025-2026",
        "from_state": "CA",
        "to_state": "TX",
        "requested_by": "counselor (carmen)",
        "requested_at": TS,
        "due_at": TS,
        "state_student_id": None,
    },
    "DataResponse": {
        "response_id": "fedcba9876543210fedcba9876543210",
        "request_id": "0123456789abcdef0123456789abcdef",
        "state": "TX",
        "status": "declined",
        "reason": "no such child in our records",
        "attachment": None,
        "answered_by": "tx-records",
        "answered_at": TS,
    },
    "CorrectionRequest": {
        "correction_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "msix_id": "123456789012",
        "state": "TX",
        "state_student_ids": ["TX-1"],
        "items": [
            {"section": "student", "id": None, "field": "birth_date", "state": "TX"},
            {"section": "courses", "id": "ALG1-01", "field": None, "state": "TX"},
        ],
        "statement": "Nació el 28 de febrero, no el 1 de marzo",
        "identified_by": "birth certificate seen",
        "received_at": TS,
        "due_at": TS,
        "recorded_by": "marta",
        "recorded_state": "CA",
    },
    "CorrectionAnswer": {
        "answer_id": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
        "correction_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "state": "TX",
        "action": "kept",
        "reason": "the birth certificate on file says 1 March",
        "answered_by": "tx-records",
        "answered_at": TS,
    },
}


# --- round trips --------------------------------------------------------------------------------


def test_every_schema_has_a_sample_record() -> None:
    assert sorted(RECORDS) == schemas.default_registry().names()


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_round_trip(name: str) -> None:
    record = RECORDS[name]
    decoded_name, decoded = schemas.decode(schemas.encode(name, record))
    assert decoded_name == name
    assert decoded == record


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_round_trip_with_every_optional_field_null(name: str) -> None:
    version = schemas.default_registry().current(name)
    record = {
        f["name"]: (None if f.get("default", "") is None else RECORDS[name][f["name"]]) for f in version.raw["fields"]
    }
    assert schemas.decode(schemas.encode(name, record)) == (name, record)


def test_python_types_come_back() -> None:
    _, course = schemas.decode(schemas.encode("Course", RECORDS["Course"]))
    assert course["credits_granted"] == Decimal("0.250")
    assert isinstance(course["credits_granted"], Decimal)
    assert course["source_ts"].tzinfo is not None
    assert course["source_ts"].utcoffset() == dt.timedelta(0)
    _, student = schemas.decode(schemas.encode("StudentIdentity", RECORDS["StudentIdentity"]))
    assert type(student["birth_date"]) is dt.date
    assert student["first_name"] == "José" and student["last_name_1"] == "Ñúñez"


def test_other_timezones_are_stored_as_the_same_instant() -> None:
    plus_two = TS.astimezone(dt.timezone(dt.timedelta(hours=2)))
    _, record = schemas.decode(schemas.encode("MoveNotice", {**RECORDS["MoveNotice"], "created_at": plus_two}))
    assert record["created_at"] == TS


def test_full_name_is_accepted() -> None:
    data = schemas.encode("org.msix.v1.Enrollment", RECORDS["Enrollment"])
    assert data == schemas.encode("Enrollment", RECORDS["Enrollment"])


def test_memoryview_and_bytearray_decode() -> None:
    data = schemas.encode("Assessment", RECORDS["Assessment"])
    assert schemas.decode(bytearray(data)) == schemas.decode(memoryview(data)) == schemas.decode(data)


# --- header layout and fingerprints ---------------------------------------------------------------


def test_header_is_marker_fingerprint_then_the_datum() -> None:
    version = schemas.default_registry().current("Enrollment")
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    assert data[:2] == b"\xc3\x01"
    canonical = fastavro.schema.to_parsing_canonical_form(version.raw)
    assert data[2:10] == bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    assert data[2:10] == version.fingerprint
    datum = io.BytesIO()
    fastavro.schemaless_writer(datum, fastavro.parse_schema(version.raw), RECORDS["Enrollment"])
    assert data[10:] == datum.getvalue()


# The Avro specification's test vectors (share/test/data/schema-tests.txt): input, Parsing Canonical
# Form, and the fingerprint as Java prints it (a signed 64-bit integer).
SPEC_VECTORS = [
    ('"null"', '"null"', 7195948357588979594),
    ('{"type":"null"}', '"null"', 7195948357588979594),
    ('"boolean"', '"boolean"', -6970731678124411036),
    ('"int"', '"int"', 8247732601305521295),
    ('"long"', '"long"', -3434872931120570953),
    ('"float"', '"float"', 5583340709985441680),
    ('"double"', '"double"', -8181574048448539266),
    ('"bytes"', '"bytes"', 5746618253357095269),
    ('"string"', '"string"', -8142146995180207161),
    ("[  ]", "[]", -1241056759729112623),
    ('[ "int"  ]', '["int"]', -5232228896498058493),
    ('[ "int" , {"type":"boolean"} ]', '["int","boolean"]', 5392556393470105090),
    (
        '{"fields":[], "type":"record", "name":"foo"}',
        '{"name":"foo","type":"record","fields":[]}',
        -4824392279771201922,
    ),
    (
        '{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}',
        '{"name":"x.y.foo","type":"record","fields":[]}',
        5916914534497305771,
    ),
    (
        '{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}',
        '{"name":"a.b.foo","type":"record","fields":[]}',
        -4616218487480524110,
    ),
    (
        '{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}',
        '{"name":"foo","type":"record","fields":[]}',
        -4824392279771201922,
    ),
    (
        '{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}',
        '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
        7843277075252814651,
    ),
    (
        '{"type":"enum", "name":"foo", "symbols":["A1"]}',
        '{"name":"foo","type":"enum","symbols":["A1"]}',
        -6342190197741309591,
    ),
    (
        '{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}',
        '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
        -4448647247586288245,
    ),
    (
        '{"name":"foo","type":"fixed","size":15}',
        '{"name":"foo","type":"fixed","size":15}',
        1756455273707447556,
    ),
    (
        '{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}',
        '{"name":"x.y.z.foo","type":"fixed","size":32}',
        -3064184465700546786,
    ),
    ('{ "items":{"type":"null"}, "type":"array"}', '{"type":"array","items":"null"}', -589620603366471059),
    ('{ "values":"string", "type":"map"}', '{"type":"map","values":"string"}', -8732877298790414990),
    (
        '{"name":"PigValue","type":"record", "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}',
        '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
        -1759257747318642341,
    ),
]


@pytest.mark.parametrize(("text", "canonical", "java"), SPEC_VECTORS)
def test_fingerprints_match_the_spec_vectors(text: str, canonical: str, java: int) -> None:
    wire = (java & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")
    assert fastavro.schema.to_parsing_canonical_form(json.loads(text)) == canonical
    assert schemas.fingerprint(json.loads(text)) == wire


def test_fingerprint_ignores_docs_defaults_and_logical_types() -> None:
    # Worth knowing: the spec's canonical form drops logical types, so int and int/date share one.
    assert schemas.fingerprint({"type": "int", "logicalType": "date"}) == schemas.fingerprint("int")


# --- errors ---------------------------------------------------------------------------------------


def test_bad_marker() -> None:
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    with pytest.raises(BadMarker, match="c301"):
        schemas.decode(b"\x00\x00" + data[2:])
    with pytest.raises(BadMarker):
        schemas.decode(b'{"json": true}')
    with pytest.raises(UndecodableMessage):  # the family callers catch
        schemas.decode(b"\xc3\x02" + data[2:])


def test_unknown_fingerprint() -> None:
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    with pytest.raises(UnknownFingerprint, match="0102030405060708"):
        schemas.decode(data[:2] + bytes(range(1, 9)) + data[10:])


@pytest.mark.parametrize("keep", [0, 1, 2, 9])
def test_truncated_header(keep: int) -> None:
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    with pytest.raises(TruncatedMessage):
        schemas.decode(data[:keep])


def test_truncated_datum_at_every_length() -> None:
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    for keep in range(10, len(data)):
        with pytest.raises(UndecodableMessage):
            schemas.decode(data[:keep])
    with pytest.raises(TruncatedMessage, match="ends early"):
        schemas.decode(data[:-1])


def test_trailing_bytes() -> None:
    data = schemas.encode("Enrollment", RECORDS["Enrollment"])
    with pytest.raises(UndecodableMessage, match="2 bytes after"):
        schemas.decode(data + b"\x00\x00")


def test_all_codec_errors_share_one_root() -> None:
    for error in (BadMarker, UnknownFingerprint, TruncatedMessage, EncodeError, UnknownSchema):
        assert issubclass(error, SchemaError)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"action": None}, "action"),
        ({"lep": 5}, "lep"),
        ({"source_ts": "yesterday"}, "source_ts"),
        ({"frist_name": "Ana"}, "frist_name"),
        ({"source_ts": dt.datetime(2025, 1, 1)}, "naive datetime"),
        ({"enrollment_date": "not a date"}, "Enrollment"),
    ],
)
def test_a_record_that_does_not_fit_is_refused(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(EncodeError, match=reason):
        schemas.encode("Enrollment", {**RECORDS["Enrollment"], **change})


def test_missing_required_field_is_refused_but_missing_optional_is_null() -> None:
    record = dict(RECORDS["Enrollment"])
    del record["comment"]
    assert schemas.decode(schemas.encode("Enrollment", record))[1]["comment"] is None
    del record["enrollment_id"]
    with pytest.raises(EncodeError, match="enrollment_id"):
        schemas.encode("Enrollment", record)


def test_decimal_with_too_many_places_is_refused() -> None:
    with pytest.raises(EncodeError, match="Course"):
        schemas.encode("Course", {**RECORDS["Course"], "credits_granted": Decimal("0.2501")})


def test_unknown_schema_name() -> None:
    with pytest.raises(UnknownSchema, match="Nope"):
        schemas.encode("Nope", {})


def test_not_a_mapping() -> None:
    with pytest.raises(EncodeError, match="mapping"):
        schemas.encode("Enrollment", ["not", "a", "record"])  # type: ignore[arg-type]


# --- serializer shapes ----------------------------------------------------------------------------


def test_serializer_and_deserializer_shapes() -> None:
    serialize = AvroSerializer("Enrollment")
    deserialize = AvroDeserializer()
    data = serialize(RECORDS["Enrollment"], None)
    assert data == schemas.encode("Enrollment", RECORDS["Enrollment"])
    assert deserialize(data, None) == ("Enrollment", RECORDS["Enrollment"])
    assert AvroSerializer("org.msix.v1.Course").schema_name == "Course"


def test_serializer_fails_at_construction_for_an_unknown_schema() -> None:
    with pytest.raises(UnknownSchema):
        AvroSerializer("Enrolment")


def test_tombstones_are_refused() -> None:
    with pytest.raises(EncodeError):
        AvroSerializer("Enrollment")(None)  # type: ignore[arg-type]
    with pytest.raises(UndecodableMessage):
        AvroDeserializer()(None)


# --- schema evolution -----------------------------------------------------------------------------


ID_FIELD = {"name": "id", "type": "string"}


def _older_enrollment() -> dict[str, Any]:
    """Enrollment as it might have been: no `comment` field, `grade_level` a plain string."""
    raw = copy.deepcopy(schemas.default_registry().current("Enrollment").raw)
    raw["fields"] = [f for f in raw["fields"] if f["name"] != "comment"]
    for field in raw["fields"]:
        if field["name"] == "grade_level":
            del field["default"]
            field["type"] = "string"
    return raw


def _registry_with_history(tmp_path: Path, *older: dict[str, Any]) -> Registry:
    for path in SCHEMA_DIR.glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    for raw in older:
        version = schemas.registry.parse_version(json.dumps(raw))
        folder = tmp_path / "history" / version.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{version.fingerprint_hex}.avsc").write_text(json.dumps(raw, indent=2))
    return Registry.load(tmp_path)


def _write_with(raw: dict[str, Any], record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    out.write(b"\xc3\x01" + schemas.fingerprint(raw))
    fastavro.schemaless_writer(out, fastavro.parse_schema(raw), record)
    return out.getvalue()


def test_data_of_an_older_writer_decodes_into_the_current_schema(tmp_path: Path) -> None:
    older = _older_enrollment()
    codec = Codec(_registry_with_history(tmp_path, older))
    old_record = {k: v for k, v in RECORDS["Enrollment"].items() if k != "comment"}
    name, record = codec.decode(_write_with(older, old_record))
    assert name == "Enrollment"
    assert record == {**old_record, "comment": None}
    assert list(record) == [f["name"] for f in codec.registry.current("Enrollment").raw["fields"]]


def test_data_of_a_writer_not_in_history_is_unknown() -> None:
    with pytest.raises(UnknownFingerprint):
        schemas.decode(_write_with(_older_enrollment(), RECORDS["Enrollment"]))


def test_data_of_a_retired_schema_is_undecodable(tmp_path: Path) -> None:
    retired = {"type": "record", "name": "Retired", "namespace": "org.msix.v1", "fields": [ID_FIELD]}
    codec = Codec(_registry_with_history(tmp_path, retired))
    with pytest.raises(UndecodableMessage, match="Retired is retired"):
        codec.decode(_write_with(retired, {"id": "x"}))


def test_a_snapshot_whose_name_lies_about_its_fingerprint_is_refused(tmp_path: Path) -> None:
    _registry_with_history(tmp_path)
    folder = tmp_path / "history" / "Enrollment"
    folder.mkdir(parents=True)
    (folder / "0000000000000000.avsc").write_text(json.dumps(_older_enrollment()))
    with pytest.raises(SchemaError, match="fingerprint"):
        Registry.load(tmp_path)


def test_snapshot_stores_each_current_version_once(tmp_path: Path) -> None:
    for path in SCHEMA_DIR.glob("*.avsc"):
        shutil.copy(path, tmp_path / path.name)
    written = schemas.snapshot(tmp_path)
    assert len(written) == len(RECORDS)
    assert schemas.snapshot(tmp_path) == []
    registry = Registry.load(tmp_path)
    for name in RECORDS:
        assert [v.fingerprint for v in registry.history(name)] == [registry.current(name).fingerprint]
