"""Avro schemas of the hub's messages and the codec that reads and writes them.

Imports nothing of the hub: callers translate `SchemaError` and its children at their edge.
"""

from schemas.codec import Codec, Record, decode, default_codec, encode
from schemas.compat import check_compatibility, check_full_compatibility
from schemas.errors import (
    BadMarker,
    EncodeError,
    SchemaError,
    TruncatedMessage,
    UndecodableMessage,
    UnknownFingerprint,
    UnknownSchema,
)
from schemas.registry import MARKER, Registry, SchemaVersion, default_registry, fingerprint, snapshot
from schemas.serde import AvroDeserializer, AvroSerializer

__all__ = [
    "MARKER",
    "AvroDeserializer",
    "AvroSerializer",
    "BadMarker",
    "Codec",
    "EncodeError",
    "Record",
    "Registry",
    "SchemaError",
    "SchemaVersion",
    "TruncatedMessage",
    "UndecodableMessage",
    "UnknownFingerprint",
    "UnknownSchema",
    "check_compatibility",
    "check_full_compatibility",
    "decode",
    "default_codec",
    "default_registry",
    "encode",
    "fingerprint",
    "snapshot",
]
