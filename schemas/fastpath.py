"""A decoder compiled for one schema version: the merge worker's hottest loop, made straight-line.

fastavro's reader interprets the schema for every message, about half a microsecond a field (18 µs
for a 20-field course record). Our record schemas use a handful of types (string, int, long, the
date, timestamp-millis and decimal logical types, and unions of null with one of them), so for each
version the codec generates one Python function that reads the fields in order, with the common
one-byte varints inlined. Measured on the pipeline's messages: 4-5 µs a record against fastavro's
17-23 µs. Anything else (another type, or a message whose writer schema differs from the reader's
and needs Avro's schema resolution) goes to fastavro, as before; the unit tests compare both on
every schema.

The generated function takes ``(data, start)`` and returns ``(record, end)``. It raises
``IndexError`` when the data ends early and ``ValueError`` (including ``UnicodeDecodeError``) when
the bytes cannot be this schema; the codec turns those into its own errors.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Callable
from typing import Any

Decoder = Callable[[bytes, int], tuple[dict[str, Any], int]]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class Unsupported(Exception):
    """The schema uses a type this fast path does not compile."""


def _varint_rest(data: bytes, i: int, first: int) -> tuple[int, int]:
    """A zig-zag varint whose first byte (``first``, >= 0x80) was already read; ``i`` is past it."""
    n = first & 0x7F
    shift = 7
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return (n >> 1) ^ -(n & 1), i
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


# Values repeat: a submission stamps all its events with one time, credits are a few values, and
# enrollment dates cluster. Small caches make each conversion a dictionary hit (measured 3-4x).
@functools.lru_cache(maxsize=4096)
def _timestamp_millis(ms: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=ms)


@functools.lru_cache(maxsize=8192)
def _date(days: int) -> dt.date:
    return dt.date.fromordinal(_EPOCH_ORDINAL + days)


@functools.cache
def _context(precision: int) -> decimal.Context:
    return decimal.Context(prec=precision)


@functools.lru_cache(maxsize=4096)
def _decimal(raw: bytes, scale: int, precision: int) -> decimal.Decimal:
    # fastavro's own conversion, to return the very same Decimal (value and exponent).
    context = _context(precision)
    return context.create_decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale, context)


# One field's value into `v`, `i` advanced past it. `{skip}` is the code that follows a union's null.
_VARINT = """\
    b = data[i]; i += 1
    if b < 0x80: v = (b >> 1) ^ -(b & 1)
    else: v, i = _varint_rest(data, i, b)
"""
_BYTES = (
    _VARINT
    + """\
    if v < 0: raise ValueError("negative length")
    j = i + v
    if j > size: raise IndexError("the datum ends early")
"""
)
_READERS = {
    "string": _BYTES + "    v = data[i:j].decode(); i = j\n",
    "long": _VARINT,
    "int": _VARINT,
}
_LOGICAL = {
    ("int", "date"): _VARINT + "    v = _date(v)\n",
    ("long", "timestamp-millis"): _VARINT + "    v = _timestamp_millis(v)\n",
}


def _reader(schema: Any) -> str:
    if isinstance(schema, str):
        if schema in _READERS:
            return _READERS[schema]
        raise Unsupported(schema)
    if isinstance(schema, dict):
        kind, logical = str(schema.get("type")), schema.get("logicalType")
        if logical is not None and (kind, logical) in _LOGICAL:
            return _LOGICAL[(kind, str(logical))]
        if kind == "bytes" and logical == "decimal":
            scale, precision = int(schema.get("scale", 0)), int(schema["precision"])
            return _BYTES + f"    v = _decimal(data[i:j], {scale}, {precision}); i = j\n"
        if logical is None and isinstance(schema.get("type"), str):
            return _reader(kind)
    raise Unsupported(repr(schema))


def _field(name: str, schema: Any) -> str:
    if isinstance(schema, list):
        if len(schema) != 2 or "null" not in schema:
            raise Unsupported(repr(schema))
        null_index = schema.index("null")
        other = schema[1 - null_index]
        body = "".join("    " + line + "\n" for line in _reader(other).splitlines())
        # A union's branch index is a zig-zag varint: branch 0 is the byte 0x00, branch 1 is 0x02.
        code = (
            "    b = data[i]; i += 1\n"
            f"    if b == {2 * null_index}: v = None\n"
            f"    elif b == {2 * (1 - null_index)}:\n{body}"
            "    else: raise ValueError('union branch out of range')\n"
        )
    else:
        code = _reader(schema)
    return code + f"    out[{name!r}] = v\n"


def compile_decoder(schema: dict[str, Any]) -> Decoder:
    """A decoder for records of `schema` (a record schema as JSON); raises Unsupported otherwise."""
    if schema.get("type") != "record":
        raise Unsupported("not a record")
    body = "".join(_field(f["name"], f["type"]) for f in schema["fields"])
    source = f"def decode(data, i):\n    size = len(data)\n    out = {{}}\n{body}    return out, i\n"
    namespace: dict[str, Any] = {
        "_varint_rest": _varint_rest,
        "_date": _date,
        "_timestamp_millis": _timestamp_millis,
        "_decimal": _decimal,
    }
    exec(compile(source, f"<avro decoder {schema.get('name')}>", "exec"), namespace)  # noqa: S102
    decoder: Decoder = namespace["decode"]
    return decoder


# --- the encoder ---------------------------------------------------------------------------------
#
# fastavro's writer also interprets the schema for every record, and checks each union's value
# against every branch: about 75 µs for a 40-field student record, a quarter of an Ed-Fi element's
# cost. The compiled encoder writes the fields in order with the values' types checked by `type() is`,
# and gives up (``Fallback``) on anything it does not expect: a missing field without default, a
# field the schema does not have, a naive datetime, a value of another type, a decimal that does not
# fit. The codec then runs fastavro on the same record, so whatever is not the common case gets
# exactly fastavro's bytes or fastavro's error, as before; the unit tests compare both byte for byte.

Encoder = Callable[[Any, bytearray], None]
"""Appends the datum of one record (a mapping) to the buffer; raises Fallback, KeyError (a field
without default is missing) or another error when it cannot."""


class Fallback(Exception):
    """The compiled encoder does not handle this record: let fastavro write it (or refuse it)."""


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _zigzag(n: int) -> bytes:
    """The Avro (zig-zag, little-endian base-128) varint of a long."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


# Lengths of strings and small numbers are the most common varints: one table lookup each.
_SMALL = tuple(_zigzag(n) for n in range(4096))


@functools.lru_cache(maxsize=4096)
def _millis(value: dt.datetime) -> bytes:
    # fastavro's own arithmetic for an aware datetime (the microseconds truncated to milliseconds).
    delta = value - _EPOCH
    return _zigzag((delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000)


@functools.lru_cache(maxsize=8192)
def _days(value: dt.date) -> bytes:
    return _zigzag(value.toordinal() - _EPOCH_ORDINAL)


def _decimal_bytes(value: decimal.Decimal, scale: int, precision: int) -> bytes:
    """The length-prefixed two's-complement bytes fastavro writes for a decimal (same checks)."""
    sign, digits, exp = value.as_tuple()
    if not isinstance(exp, int) or len(digits) > precision or exp + scale < 0:
        raise Fallback  # not finite, too many digits, too many decimal places: fastavro says which
    unscaled = 0
    for digit in digits:
        unscaled = unscaled * 10 + digit
    unscaled *= 10 ** (exp + scale)
    size = (unscaled.bit_length() + 8) // 8
    raw = (-unscaled if sign else unscaled).to_bytes(size, "big", signed=True)
    return _SMALL[size] + raw


# One value `v` appended to `out`; anything unexpected raises Fallback.
_WRITERS = {
    "string": (
        "    if type(v) is not str: raise _Fallback\n"
        "    v = v.encode()\n"
        "    n = len(v)\n"
        "    out += _SMALL[n] if n < 4096 else _zigzag(n)\n"
        "    out += v\n"
    ),
    "long": (
        "    if type(v) is not int or not _LONG_MIN <= v <= _LONG_MAX: raise _Fallback\n"
        "    out += _SMALL[v] if 0 <= v < 4096 else _zigzag(v)\n"
    ),
    "int": (
        "    if type(v) is not int or not _INT_MIN <= v <= _INT_MAX: raise _Fallback\n"
        "    out += _SMALL[v] if 0 <= v < 4096 else _zigzag(v)\n"
    ),
}
_LOGICAL_WRITERS = {
    ("int", "date"): "    if type(v) is not _date_type: raise _Fallback\n    out += _days(v)\n",
    ("long", "timestamp-millis"): (
        "    if type(v) is not _datetime_type or v.tzinfo is None: raise _Fallback\n    out += _millis(v)\n"
    ),
}


def _writer(schema: Any) -> str:
    if isinstance(schema, str):
        if schema in _WRITERS:
            return _WRITERS[schema]
        raise Unsupported(schema)
    if isinstance(schema, dict):
        kind, logical = str(schema.get("type")), schema.get("logicalType")
        if logical is not None and (kind, logical) in _LOGICAL_WRITERS:
            return _LOGICAL_WRITERS[(kind, str(logical))]
        if kind == "bytes" and logical == "decimal":
            scale, precision = int(schema.get("scale", 0)), int(schema["precision"])
            return (
                f"    if type(v) is not _Decimal: raise _Fallback\n    out += _decimal_bytes(v, {scale}, {precision})\n"
            )
        if logical is None and isinstance(schema.get("type"), str):
            return _writer(kind)
    raise Unsupported(repr(schema))


def _write_field(field: dict[str, Any]) -> str:
    name, schema = field["name"], field["type"]
    if "default" in field:
        # Only the null default of a union with null: a missing field is written as null.
        if not (isinstance(schema, list) and field["default"] is None and "null" in schema):
            raise Unsupported(f"default of {name}")
        fetch = f"    try: v = record[{name!r}]\n    except KeyError: v = None; missing += 1\n"
    else:
        fetch = f"    v = record[{name!r}]\n"  # a KeyError falls back like any other error
    if isinstance(schema, list):
        if len(schema) != 2 or "null" not in schema:
            raise Unsupported(repr(schema))
        null_index = schema.index("null")
        body = "".join("    " + line + "\n" for line in _writer(schema[1 - null_index]).splitlines())
        return fetch + (
            f"    if v is None: out += {bytes([2 * null_index])!r}\n"
            f"    else:\n        out += {bytes([2 * (1 - null_index)])!r}\n{body}"
        )
    return fetch + _writer(schema)


def compile_encoder(schema: dict[str, Any]) -> Encoder:
    """An encoder for records of `schema` (a record schema as JSON); raises Unsupported otherwise."""
    if schema.get("type") != "record":
        raise Unsupported("not a record")
    fields = schema["fields"]
    body = "".join(_write_field(f) for f in fields)
    # Every field of the schema was found or counted missing: the record has others if it is longer.
    source = (
        f"def encode(record, out):\n    missing = 0\n{body}"
        f"    if len(record) + missing != {len(fields)}: raise _Fallback\n"
    )
    namespace: dict[str, Any] = {
        "_Fallback": Fallback,
        "_SMALL": _SMALL,
        "_zigzag": _zigzag,
        "_days": _days,
        "_millis": _millis,
        "_decimal_bytes": _decimal_bytes,
        "_Decimal": decimal.Decimal,
        "_date_type": dt.date,
        "_datetime_type": dt.datetime,
        "_INT_MIN": _INT_MIN,
        "_INT_MAX": _INT_MAX,
        "_LONG_MIN": _LONG_MIN,
        "_LONG_MAX": _LONG_MAX,
    }
    exec(compile(source, f"<avro encoder {schema.get('name')}>", "exec"), namespace)  # noqa: S102
    encoder: Encoder = namespace["encode"]
    return encoder
