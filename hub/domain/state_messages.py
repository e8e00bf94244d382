"""Messages a state writes on its own side topics, checked before the hub uses them: what its
connector rejected (``state.ST.rejected``) and its notice receipts (``movenotice.ST.acks``).

The state's credentials, not the hub, decide what lands there, so anything may: garbage bytes, a
value of another schema, a value naming another state. Each reader turns such a message into
``BadMessage`` with a reason, skips it and counts it; one state's garbage never stops a reader,
and a message naming another state never counts for that state. Pure: bytes in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import schemas

RECEIPT_KINDS = ("received", "acknowledged")
MAX_TEXT = 200  # an id or a name in a receipt: longer is not one the hub made or a person has


class BadMessage(Exception):
    """A message on a state's side topic the hub cannot use; ``str()`` is the reason (no payload)."""


def decode(data: bytes | None, schema: str) -> dict[str, Any]:
    """The value of a ``schema`` message, or ``BadMessage``."""
    try:
        name, value = schemas.decode(data or b"")
    except schemas.SchemaError as exc:
        raise BadMessage(f"undecodable ({type(exc).__name__}): {str(exc)[:120]}") from exc
    except Exception as exc:  # the codec's own failure on hostile bytes must not stop a reader
        raise BadMessage(f"undecodable ({type(exc).__name__})") from exc
    if name != schema:
        raise BadMessage(f"a {name}, not a {schema}")
    return value


def rejection(data: bytes | None, state: str) -> dict[str, Any]:
    """A rejected row from ``state.ST.rejected``, which must name ST."""
    value = decode(data, "RejectedRecord")
    if value.get("state") != state:
        raise BadMessage("a rejection of another state's row")
    if not isinstance(value.get("rejected_at"), datetime) or not isinstance(value.get("reason"), str):
        raise BadMessage("a rejection without a time or a reason")
    return value


@dataclass(frozen=True)
class ReceiptMessage:
    notice_id: str
    kind: str
    state: str
    by: str
    at: datetime


def receipt(data: bytes | None, state: str) -> ReceiptMessage:
    """A receipt from ``movenotice.ST.acks``: it must name ST (the store then only takes it for a
    notice that was sent to ST)."""
    value = decode(data, "NoticeReceipt")
    if value.get("state") != state:
        raise BadMessage("a receipt naming another state")
    if value.get("kind") not in RECEIPT_KINDS:
        raise BadMessage("a receipt of no known kind")
    for name in ("notice_id", "by"):
        text = value.get(name)
        # NUL is valid Avro text and refused by PostgreSQL: it would fail the whole batch's insert.
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT or "\x00" in text:
            raise BadMessage(f"a receipt whose {name} is empty, too long or not text")
    at = value.get("at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise BadMessage("a receipt without a time")
    return ReceiptMessage(value["notice_id"], value["kind"], state, value["by"], at)


def schema_name(data: bytes | None) -> str | None:
    """The writer schema's name from a message's header (the fingerprint), without decoding the
    datum: how a reader of a topic that carries two kinds of message tells them apart. None when the
    header names no schema the hub knows (``decode`` then says why)."""
    if not data or len(data) < 10 or data[:2] != schemas.MARKER:
        return None
    try:
        return schemas.default_registry().by_fingerprint(bytes(data[2:10])).name
    except schemas.SchemaError:
        return None
