"""Avro single-object encoding: ``C3 01``, the writer schema's 8-byte fingerprint, the binary datum.

Everything schema-related is worked out once per schema version when a `Codec` is built: the parsed
writer schema, the 10-byte header, and for every known fingerprint the (writer, current reader) pair
that Avro schema resolution needs, and the compiled encoder and decoder of ``fastpath`` where the
schema's types allow them. A call then runs one of those, or fastavro's schemaless writer or reader.

Python values: str, int, None; `datetime.date` for ``date``; a timezone-aware `datetime.datetime` for
``timestamp-millis`` (read back in UTC, to the millisecond); `decimal.Decimal` for ``decimal``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import fastavro
from fastavro.read import SchemaResolutionError

from schemas import fastpath
from schemas.errors import (
    BadMarker,
    EncodeError,
    TruncatedMessage,
    UndecodableMessage,
    UnknownFingerprint,
    UnknownSchema,
)
from schemas.registry import MARKER, Registry, SchemaVersion, default_registry

HEADER_SIZE = len(MARKER) + 8
_TIMESTAMPS = frozenset({"timestamp-millis", "timestamp-micros"})
# What fastavro raises for a record that does not fit (it has no exception class of its own for that).
_WRITE_ERRORS = (TypeError, ValueError, LookupError, AttributeError, ArithmeticError)
_READ_ERRORS = (ValueError, TypeError, LookupError, ArithmeticError, SchemaResolutionError)

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _WritePlan:
    name: str
    header: bytes
    parsed: dict[str, Any]
    timestamp_fields: tuple[str, ...]
    fast: fastpath.Encoder | None = None
    """The compiled encoder, when the schema's types allow it."""


@dataclass(frozen=True, slots=True)
class _ReadPlan:
    name: str
    writer: dict[str, Any]
    reader: dict[str, Any] | None
    """None when the writer is the current version: no resolution needed."""
    fast: fastpath.Decoder | None = None
    """The compiled decoder, when no resolution is needed and the schema's types allow it."""


class Codec:
    """Encodes with the current version of a schema; decodes any known version into the current one."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry if registry is not None else default_registry()
        self._writers: dict[str, _WritePlan] = {}
        for name in self.registry.names():
            current = self.registry.current(name)
            try:
                fast: fastpath.Encoder | None = fastpath.compile_encoder(current.raw)
            except fastpath.Unsupported:
                fast = None
            plan = _WritePlan(current.name, current.header, current.parsed, _timestamp_fields(current), fast)
            self._writers[current.name] = self._writers[current.full_name] = plan
        self._readers = {v.fingerprint: self._read_plan(v) for v in self.registry.versions()}

    def _read_plan(self, writer: SchemaVersion) -> _ReadPlan | None:
        try:
            current = self.registry.current(writer.full_name)
        except UnknownSchema:
            return None  # a retired schema: its messages have no current reader
        if current.fingerprint != writer.fingerprint:
            return _ReadPlan(current.name, writer.parsed, current.parsed)
        try:
            fast = fastpath.compile_decoder(writer.raw)
        except fastpath.Unsupported:
            fast = None
        return _ReadPlan(current.name, writer.parsed, None, fast)

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes:
        """One message: header + `record` written with the current version of `schema_name`."""
        plan = self._writers.get(schema_name)
        if plan is None:
            raise UnknownSchema(f"no schema named {schema_name!r}")
        # (A dict is checked first: isinstance against the Mapping ABC costs more than a record's field.)
        if type(record) is not dict and not isinstance(record, Mapping):
            raise EncodeError(f"{plan.name}: expected a mapping, got {type(record).__name__}")
        if plan.fast is not None:
            buffer = bytearray(plan.header)
            try:
                plan.fast(record, buffer)
                return bytes(buffer)
            except Exception:  # noqa: S110
                # Not the common case (fastpath.Fallback, or a value the encoder trips on): fastavro
                # below writes it or says what is wrong with it, exactly as without the fast path.
                pass
        for field in plan.timestamp_fields:
            value = record.get(field)
            # fastavro would take a naive datetime for the machine's local time: refuse the guess.
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                raise EncodeError(f"{plan.name}.{field}: naive datetime; give it a timezone (UTC)")
        out = BytesIO()
        out.write(plan.header)
        try:
            # A misspelt field, or a missing one without a default, is an error rather than a silent null.
            fastavro.schemaless_writer(out, plan.parsed, record, strict_allow_default=True)
        except _WRITE_ERRORS as exc:
            raise EncodeError(f"{plan.name}: {exc}") from exc
        return out.getvalue()

    def decode(self, data: bytes | bytearray | memoryview) -> tuple[str, Record]:
        """(short schema name, record in the current version of that schema) of one message."""
        if data[:2] != MARKER:
            if len(data) < len(MARKER) and MARKER.startswith(data):
                raise TruncatedMessage(f"{len(data)} bytes: shorter than the marker")
            raise BadMarker(f"starts with {bytes(data[:2]).hex()}, not the Avro marker c301")
        if len(data) < HEADER_SIZE:
            raise TruncatedMessage(f"{len(data)} bytes: shorter than the {HEADER_SIZE}-byte header")
        fp = bytes(data[2:HEADER_SIZE])
        plan = self._readers.get(fp)
        if plan is None:
            if fp in self._readers:
                raise UndecodableMessage(f"schema {self.registry.by_fingerprint(fp).name} is retired")
            raise UnknownFingerprint(f"unknown writer schema fingerprint {fp.hex()}")
        if plan.fast is not None:
            return plan.name, self._decode_fast(plan.name, plan.fast, bytes(data))
        buf = BytesIO(data)
        buf.seek(HEADER_SIZE)
        try:
            record = fastavro.schemaless_reader(buf, plan.writer, plan.reader)
        except EOFError as exc:
            raise TruncatedMessage(f"{plan.name}: the datum ends early") from exc
        except _READ_ERRORS as exc:
            raise UndecodableMessage(f"{plan.name}: {exc}") from exc
        if buf.tell() != len(data):
            raise UndecodableMessage(f"{plan.name}: {len(data) - buf.tell()} bytes after the datum")
        if not isinstance(record, dict):
            raise UndecodableMessage(f"{plan.name}: the datum is not a record")
        return plan.name, record

    @staticmethod
    def _decode_fast(name: str, decoder: fastpath.Decoder, data: bytes) -> Record:
        try:
            record, end = decoder(data, HEADER_SIZE)
        except IndexError as exc:
            raise TruncatedMessage(f"{name}: the datum ends early") from exc
        except (ValueError, OverflowError) as exc:
            raise UndecodableMessage(f"{name}: {exc}") from exc
        if end != len(data):
            raise UndecodableMessage(f"{name}: {len(data) - end} bytes after the datum")
        return record


def _timestamp_fields(version: SchemaVersion) -> tuple[str, ...]:
    """Top-level fields that hold a timestamp, alone or in a union."""
    names = []
    for field in version.raw["fields"]:
        branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
        if any(isinstance(b, dict) and b.get("logicalType") in _TIMESTAMPS for b in branches):
            names.append(field["name"])
    return tuple(names)


@functools.cache
def default_codec() -> Codec:
    """The codec of the package's own schemas, built once."""
    return Codec()


def encode(schema_name: str, record: Mapping[str, Any]) -> bytes:
    """Encode `record` with the current version of `schema_name` (short or full name)."""
    return default_codec().encode(schema_name, record)


def decode(data: bytes | bytearray | memoryview) -> tuple[str, Record]:
    """Decode one message into (short schema name, record in the current version of that schema)."""
    return default_codec().decode(data)
