"""The codec's own exceptions.

`schemas` imports nothing of the hub (architecture rule), so callers translate these at their edge,
e.g. ``except UndecodableMessage as exc: raise hub.errors.DecodeError(str(exc)) from exc``.
"""


class SchemaError(Exception):
    """Root of every error this package raises on purpose."""


class UnknownSchema(SchemaError):
    """No schema of that name is in the package."""


class EncodeError(SchemaError):
    """A record does not fit its schema (missing field, wrong type, naive datetime...)."""


class UndecodableMessage(SchemaError):
    """A message's bytes are not a value of any known schema."""


class BadMarker(UndecodableMessage):
    """The bytes do not start with the single-object encoding marker C3 01."""


class UnknownFingerprint(UndecodableMessage):
    """The writer schema's fingerprint is neither a current schema nor a snapshot in history/."""


class TruncatedMessage(UndecodableMessage):
    """The bytes end before the header or the datum does."""
