"""Serializer and deserializer in confluent-kafka's shape: callables ``(obj, ctx) -> bytes`` and back.

The context is accepted and ignored: the value's schema says which record family it is, whatever the
topic, so nothing here depends on where a message goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.codec import Codec, Record, default_codec
from schemas.errors import EncodeError, UndecodableMessage


class AvroSerializer:
    """Writes records with the current version of one schema."""

    def __init__(self, schema_name: str, codec: Codec | None = None) -> None:
        self._codec = codec if codec is not None else default_codec()
        # Fails here, at start-up, for an unknown name rather than on the first message.
        self.schema_name = self._codec.registry.current(schema_name).name

    def __call__(self, obj: Mapping[str, Any], ctx: object | None = None) -> bytes:
        if obj is None:
            raise EncodeError(f"{self.schema_name}: no record (tombstones are not part of the contract)")
        return self._codec.encode(self.schema_name, obj)


class AvroDeserializer:
    """Reads a message of any known schema version into (short name, record in the current version)."""

    def __init__(self, codec: Codec | None = None) -> None:
        self._codec = codec if codec is not None else default_codec()

    def __call__(self, data: bytes | bytearray | memoryview | None, ctx: object | None = None) -> tuple[str, Record]:
        if data is None:
            raise UndecodableMessage("no value (a tombstone)")
        return self._codec.decode(data)
