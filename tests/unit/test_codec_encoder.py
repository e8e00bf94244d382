"""The compiled encoder writes exactly fastavro's bytes for every schema of the package, and whatever
it does not handle reaches fastavro, so the codec accepts and refuses exactly what it did without it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import fastavro
import pytest

import schemas
from schemas import Codec, EncodeError, fastpath
from tests.unit.avro_values import value

REGISTRY = schemas.default_registry()
LEFT_TO_FASTAVRO = ("CorrectionRequest",)
"""Schemas with arrays (a correction request's items), which the fast path leaves to fastavro by
design: a few messages a day, not the worker's hot path."""
CURRENT = [REGISTRY.current(name) for name in REGISTRY.names() if name not in LEFT_TO_FASTAVRO]


def _record(version: Any, rnd: random.Random) -> dict[str, Any]:
    record = {f["name"]: value(f["type"], rnd) for f in version.raw["fields"]}
    for field in version.raw["fields"]:  # a field with a default may be left out
        if "default" in field and rnd.random() < 0.2:
            del record[field["name"]]
    return record


def _fastavro(version: Any, record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, version.parsed, record, strict_allow_default=True)
    return out.getvalue()


def _slow_codec() -> Codec:
    """The codec as it was: fastavro only."""
    codec = Codec()
    codec._writers = {name: dataclasses.replace(plan, fast=None) for name, plan in codec._writers.items()}
    return codec


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_every_current_schema_compiles_and_the_codec_uses_it(version: Any) -> None:
    assert fastpath.compile_encoder(version.raw) is not None
    assert Codec()._writers[version.name].fast is not None


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_writes_what_fastavro_writes(version: Any) -> None:
    rnd = random.Random(version.name)
    encode = fastpath.compile_encoder(version.raw)
    codec = Codec()
    for _ in range(400):
        record = _record(version, rnd)
        out = bytearray()
        encode(record, out)  # never falls back on records of the schema's own types
        assert bytes(out) == _fastavro(version, record)
        assert codec.encode(version.name, record) == version.header + bytes(out)


def _bad_records(version: Any) -> list[dict[str, Any]]:
    rnd = random.Random(version.name + "bad")
    good = {f["name"]: value(f["type"], rnd) for f in version.raw["fields"]}
    bad: list[dict[str, Any]] = [good | {"no_such_field": "x"}]
    for field in version.raw["fields"]:
        name, schema = field["name"], field["type"]
        if "default" not in field:
            bad.append({k: v for k, v in good.items() if k != name})
        branch = next(s for s in schema if s != "null") if isinstance(schema, list) else schema
        logical = branch.get("logicalType") if isinstance(branch, dict) else None
        base = branch.get("type") if isinstance(branch, dict) else branch
        if logical == "timestamp-millis":
            wrong = [dt.datetime(2026, 1, 1), 1_700_000_000_000, dt.date(2026, 1, 1), "2026-01-01T00:00:00Z"]
        elif logical == "date":
            wrong = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "2026-01-01", 20000, "no date"]
        elif logical == "decimal":
            wrong = [Decimal("1.23456"), Decimal("123456789"), Decimal("NaN"), Decimal("Infinity"), 1.5, "1.5", 3]
        elif base == "string":
            wrong = [3, b"bytes", "\ud800", None if not isinstance(schema, list) else 4.5]
        else:
            wrong = [True, 1.0, "1", 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, None]
        bad.extend(good | {name: value} for value in wrong)
    return bad


def _outcome(codec: Codec, name: str, record: dict[str, Any]) -> bytes | str:
    try:
        return codec.encode(name, record)
    except EncodeError as exc:
        return f"EncodeError: {exc}"


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_accepts_and_refuses_what_fastavro_did(version: Any) -> None:
    fast, slow = Codec(), _slow_codec()
    refused = 0
    for record in _bad_records(version):
        expected = _outcome(slow, version.name, record)
        assert _outcome(fast, version.name, record) == expected, record
        refused += isinstance(expected, str)
    assert refused > len(version.raw["fields"])  # the cases are mostly errors, so the test says something


def test_a_naive_datetime_is_refused_with_the_codecs_own_error() -> None:
    version = REGISTRY.current("Course")
    record = {f["name"]: value(f["type"], random.Random(1)) for f in version.raw["fields"]}
    record["source_ts"] = dt.datetime(2026, 1, 1)
    with pytest.raises(EncodeError, match="naive datetime"):
        Codec().encode("Course", record)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": "boolean"}]},
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": ["null", "string", "int"]}]},
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": "string", "default": "x"}]},
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": {"type": "array", "items": "int"}}]},
        {"type": "enum", "name": "E", "symbols": ["A"]},
    ],
)
def test_other_types_are_left_to_fastavro(schema: dict[str, Any]) -> None:
    with pytest.raises(fastpath.Unsupported):
        fastpath.compile_encoder(schema)


@pytest.mark.parametrize("name", LEFT_TO_FASTAVRO)
def test_only_the_schemas_with_arrays_are_left_to_fastavro(name: str) -> None:
    with pytest.raises(fastpath.Unsupported):
        fastpath.compile_encoder(REGISTRY.current(name).raw)
