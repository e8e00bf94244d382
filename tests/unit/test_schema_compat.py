"""Schema evolution guard: every schema stays fully compatible with every version published before.

If a test here fails after you changed an `.avsc`, the change would break readers of the older
version (or the older data for new readers). Make the change compatible (new fields optional with a
default, no removals of fields without a default, no type changes beyond the spec's promotions).
"""

from __future__ import annotations

from typing import Any

import pytest

import schemas
from schemas import check_compatibility, check_full_compatibility

REGISTRY = schemas.default_registry()
SNAPSHOTS = [
    pytest.param(name, version, id=f"{name}-{version.fingerprint_hex}")
    for name in REGISTRY.names()
    for version in REGISTRY.history(name)
]


@pytest.mark.parametrize("name", REGISTRY.names())
def test_the_current_version_is_snapshotted(name: str) -> None:
    current = REGISTRY.current(name)
    kept = {v.fingerprint for v in REGISTRY.history(name)}
    assert current.fingerprint in kept, (
        f"{name} changed: run `python -c 'import schemas; schemas.snapshot()'` and commit "
        f"schemas/history/{name}/{current.fingerprint_hex}.avsc"
    )


@pytest.mark.parametrize(("name", "snapshot"), SNAPSHOTS)
def test_current_is_fully_compatible_with_every_snapshot(name: str, snapshot: schemas.SchemaVersion) -> None:
    assert check_full_compatibility(old=snapshot.raw, new=REGISTRY.current(name).raw) == []


# --- the checker itself ---------------------------------------------------------------------------


def record(*fields: dict[str, Any], name: str = "Student") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "org.msix.v1", "fields": list(fields)}


ID = {"name": "id", "type": "string"}
GRADE = {"name": "grade", "type": "string"}
OPTIONAL_CITY = {"name": "city", "type": ["null", "string"], "default": None}
SEX = {"name": "sex", "type": {"type": "enum", "name": "Sex", "symbols": ["F", "M", "X"]}}


def test_identical_schemas_are_compatible() -> None:
    assert check_full_compatibility(record(ID, GRADE), record(ID, GRADE)) == []


def test_adding_or_removing_an_optional_field_is_fully_compatible() -> None:
    assert check_full_compatibility(old=record(ID), new=record(ID, OPTIONAL_CITY)) == []
    assert check_full_compatibility(old=record(ID, OPTIONAL_CITY), new=record(ID)) == []


def test_removed_field_without_default_is_reported() -> None:
    problems = check_full_compatibility(old=record(ID, GRADE), new=record(ID))
    assert problems == [
        "old reader, new data: Student.grade: the writer has no such field and the reader gives no default"
    ]


def test_new_required_field_without_default_is_reported() -> None:
    problems = check_full_compatibility(old=record(ID), new=record(ID, GRADE))
    assert problems == [
        "new reader, old data: Student.grade: the writer has no such field and the reader gives no default"
    ]


def test_type_change_string_to_int_is_reported_both_ways() -> None:
    problems = check_full_compatibility(old=record(ID, GRADE), new=record(ID, {"name": "grade", "type": "int"}))
    assert problems == [
        "new reader, old data: Student.grade: the reader expects int, the writer has string",
        "old reader, new data: Student.grade: the reader expects string, the writer has int",
    ]


def test_enum_symbol_removed_is_reported() -> None:
    fewer = {"name": "sex", "type": {"type": "enum", "name": "Sex", "symbols": ["F", "M"]}}
    problems = check_full_compatibility(old=record(ID, SEX), new=record(ID, fewer))
    # Old data may hold X; a new reader cannot read it. New data never holds X: old readers are fine.
    assert problems == ["new reader, old data: Student.sex: enum symbols X are written but unknown to the reader"]
    assert check_compatibility(reader=record(ID, fewer), writer=record(ID, SEX)) == [
        "Student.sex: enum symbols X are written but unknown to the reader"
    ]


def test_enum_with_a_default_symbol_reads_unknown_symbols() -> None:
    fewer = {"name": "sex", "type": {"type": "enum", "name": "Sex", "symbols": ["F", "M"], "default": "F"}}
    assert check_compatibility(reader=record(ID, fewer), writer=record(ID, SEX)) == []


@pytest.mark.parametrize(
    ("writer", "reader"),
    [
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
        ("string", "bytes"),
        ("bytes", "string"),
    ],
)
def test_promotions_read_one_way(writer: str, reader: str) -> None:
    assert check_compatibility(reader, writer) == []
    if {writer, reader} != {"string", "bytes"}:
        assert check_compatibility(writer, reader) == [f"<root>: the reader expects {writer}, the writer has {reader}"]


def test_promotion_inside_a_union() -> None:
    assert check_compatibility(reader=["null", "long"], writer="int") == []
    assert check_compatibility(reader=["null", "long"], writer=["null", "int"]) == []


def test_unions() -> None:
    assert check_compatibility(reader=["null", "string"], writer="string") == []
    assert check_compatibility(reader="string", writer=["null", "string"]) == [
        "<root>: the writer's union branch null cannot be read as string"
    ]
    assert check_compatibility(reader=["null", "string"], writer=["null", "string", "boolean"]) == [
        "<root>: the writer's boolean has no branch in the reader's union [null, string]"
    ]
    assert check_compatibility(reader=["null", "int"], writer="string") == [
        "<root>: the reader's union [null, int] has no branch for string"
    ]


def test_field_inside_a_union_of_records_is_checked() -> None:
    old = record(ID, {"name": "parent", "type": ["null", record(GRADE, name="Parent")], "default": None})
    new = record(ID, {"name": "parent", "type": ["null", record(name="Parent")], "default": None})
    assert check_full_compatibility(old, new) == [
        "old reader, new data: Student.parent.grade: the writer has no such field and the reader gives no default"
    ]


def test_named_types_match_by_name_or_alias() -> None:
    assert check_compatibility(record(ID, name="Pupil"), record(ID)) == [
        "<root>: named types differ: reader org.msix.v1.Pupil, writer org.msix.v1.Student"
    ]
    renamed = {**record(ID, name="Pupil"), "aliases": ["Student"]}
    assert check_compatibility(reader=renamed, writer=record(ID)) == []


def test_field_renamed_with_an_alias() -> None:
    renamed = {"name": "student_id", "type": "string", "aliases": ["id"]}
    assert check_compatibility(reader=record(renamed), writer=record(ID)) == []
    assert check_compatibility(reader=record({"name": "student_id", "type": "string"}), writer=record(ID)) == [
        "Student.student_id: the writer has no such field and the reader gives no default"
    ]


def test_a_default_that_does_not_fit_is_reported() -> None:
    bad = {"name": "city", "type": ["null", "string"], "default": "Pharr"}
    assert check_compatibility(reader=record(ID, bad), writer=record(ID)) == [
        "Student.city: the default 'Pharr' does not fit union [null, string]"
    ]
    good = {"name": "city", "type": ["string", "null"], "default": "Pharr"}
    assert check_compatibility(reader=record(ID, good), writer=record(ID)) == []


def test_logical_types() -> None:
    date = {"type": "int", "logicalType": "date"}
    assert check_compatibility(reader=date, writer="int") == ["<root>: logical type changes from none to date"]
    millis = {"type": "long", "logicalType": "timestamp-millis"}
    assert check_compatibility(reader=millis, writer=date) == [
        "<root>: logical type changes from date to timestamp-millis"
    ]
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 8, "scale": 3}
    assert check_compatibility(reader=decimal, writer=dict(decimal)) == []
    assert check_compatibility(reader={**decimal, "scale": 2}, writer=decimal) == [
        "<root>: decimal scale changes from 3 to 2"
    ]


def test_fixed_arrays_and_maps() -> None:
    fixed = {"type": "fixed", "name": "Hash", "size": 16}
    assert check_compatibility(reader={**fixed, "size": 32}, writer=fixed) == [
        "<root>: fixed size changes from 16 to 32"
    ]
    assert check_compatibility({"type": "array", "items": "long"}, {"type": "array", "items": "int"}) == []
    assert check_compatibility({"type": "map", "values": "int"}, {"type": "map", "values": "string"}) == [
        "<root>{}: the reader expects int, the writer has string"
    ]


def test_recursive_and_referenced_named_types() -> None:
    pig = {
        "type": "record",
        "name": "PigValue",
        "fields": [{"name": "value", "type": ["null", "int", "long", "PigValue"]}],
    }
    assert check_compatibility(pig, pig) == []
    sex_ref = {"name": "sex2", "type": "Sex", "default": "F"}
    assert check_compatibility(reader=record(ID, SEX, sex_ref), writer=record(ID, SEX)) == []
