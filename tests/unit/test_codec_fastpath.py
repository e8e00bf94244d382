"""The compiled decoder reads exactly what fastavro reads, for every schema of the package, and
refuses what fastavro refuses."""

from __future__ import annotations

import contextlib
import io
import random
from typing import Any

import fastavro
import pytest

import schemas
from schemas import Codec, TruncatedMessage, UndecodableMessage, fastpath
from schemas.codec import HEADER_SIZE
from tests.unit.avro_values import value

REGISTRY = schemas.default_registry()
LEFT_TO_FASTAVRO = ("CorrectionRequest",)
"""Schemas with arrays (a correction request's items), which the fast path leaves to fastavro by
design: a few messages a day, not the worker's hot path."""
CURRENT = [REGISTRY.current(name) for name in REGISTRY.names() if name not in LEFT_TO_FASTAVRO]


def _record(version: Any, rnd: random.Random) -> dict[str, Any]:
    return {f["name"]: value(f["type"], rnd) for f in version.raw["fields"]}


def _body(version: Any, record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, version.parsed, record)
    return version.header + out.getvalue()


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_every_current_schema_compiles(version: Any) -> None:
    assert fastpath.compile_decoder(version.raw) is not None


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_reads_what_fastavro_reads(version: Any) -> None:
    rnd = random.Random(version.name)
    decode = fastpath.compile_decoder(version.raw)
    for _ in range(300):
        data = _body(version, _record(version, rnd))
        expected = fastavro.schemaless_reader(io.BytesIO(data[HEADER_SIZE:]), version.parsed, None)
        got, end = decode(data, HEADER_SIZE)
        assert end == len(data)
        assert got == expected
        assert list(got) == list(expected)  # field order too
        for name, got_value in got.items():  # same types and Decimal exponents, not merely equal values
            assert type(got_value) is type(expected[name]) and str(got_value) == str(expected[name]), name


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_the_codec_uses_it(version: Any) -> None:
    assert Codec()._readers[version.fingerprint].fast is not None


@pytest.mark.parametrize("version", CURRENT, ids=lambda v: v.name)
def test_truncated_or_garbled_data_is_refused(version: Any) -> None:
    rnd = random.Random(version.name + "bad")
    codec = Codec()
    data = _body(version, _record(version, rnd))
    for keep in range(HEADER_SIZE, len(data)):
        with pytest.raises(UndecodableMessage):
            codec.decode(data[:keep])
    with pytest.raises(TruncatedMessage):
        codec.decode(data[:-1])
    for _ in range(200):  # random bytes after a valid header: an error of the codec's, never another
        garbage = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 60)))
        with contextlib.suppress(UndecodableMessage):
            codec.decode(version.header + garbage)


def test_a_union_branch_out_of_range_is_refused() -> None:
    decode = fastpath.compile_decoder(
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": ["null", "string"]}]}
    )
    assert decode(b"\x00", 0) == ({"a": None}, 1)
    assert decode(b"\x02\x02x", 0) == ({"a": "x"}, 3)
    with pytest.raises(ValueError, match="union"):
        decode(b"\x04", 0)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": "boolean"}]},
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": ["null", "string", "int"]}]},
        {"type": "record", "name": "T", "fields": [{"name": "a", "type": {"type": "array", "items": "int"}}]},
        {"type": "enum", "name": "E", "symbols": ["A"]},
    ],
)
def test_other_types_are_left_to_fastavro(schema: dict[str, Any]) -> None:
    with pytest.raises(fastpath.Unsupported):
        fastpath.compile_decoder(schema)


@pytest.mark.parametrize("name", LEFT_TO_FASTAVRO)
def test_only_the_schemas_with_arrays_are_left_to_fastavro(name: str) -> None:
    with pytest.raises(fastpath.Unsupported):
        fastpath.compile_decoder(REGISTRY.current(name).raw)
