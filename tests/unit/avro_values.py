"""Random Python values for any field of the package's Avro schemas, for the codec's tests."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any


def value(schema: Any, rnd: random.Random) -> Any:
    if isinstance(schema, list):
        return None if rnd.random() < 0.3 else value(next(s for s in schema if s != "null"), rnd)
    if isinstance(schema, dict):
        logical = schema.get("logicalType")
        if logical == "date":
            return dt.date(1970, 1, 1) + dt.timedelta(days=rnd.randint(-30000, 30000))
        if logical == "timestamp-millis":
            zone = dt.timezone(dt.timedelta(minutes=rnd.choice([0, -300, 330, 840])))
            moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=rnd.randint(-(2**50), 2**51))
            return moment.astimezone(zone)
        if logical == "decimal":
            places = rnd.randint(0, schema["scale"])  # fewer places than the scale: fastavro pads
            digits = rnd.randint(-(10 ** (schema["precision"] - schema["scale"] + places)) + 1, 10**5)
            return Decimal(digits).scaleb(-places)
        return value(schema["type"], rnd)
    if schema == "string":
        alphabet = "abcXYZ019 -ñáéíóúÑ'ü漢字😀"
        return "".join(rnd.choice(alphabet) for _ in range(rnd.choice([0, 1, 5, 40, 70, 200, 3000])))
    if schema == "int":
        return rnd.choice([0, 1, -1, 63, 64, -65, 2047, 2048, 2**31 - 1, -(2**31), rnd.randint(-(2**31), 2**31 - 1)])
    if schema == "long":
        return rnd.choice([0, -1, 4095, 4096, 2**63 - 1, -(2**63), rnd.randint(-(2**63), 2**63 - 1)])
    raise AssertionError(f"no generator for {schema!r}")
