"""What the record page's "ask another state" form offers. Pure.

The states a person may ask are every state but their own; the child's other states (those that
sent records of the child) come first, since they are the ones holding the records asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

KIND_LABELS = {
    "secondary_transcript": "Secondary transcript",
    "immunization": "Immunization record",
    "health_alert": "Health alert",
    "enrollment_verification": "Enrollment verification",
    "other": "Other (say what in the text)",
}


def states_to_ask(record: Mapping[str, Any], own: str, codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the child's other states, every other state), each sorted, neither holding ``own``."""
    childs = sorted({str(i["state"]) for i in record.get("state_ids", []) if i.get("state") and i["state"] != own})
    rest = sorted(set(codes) - set(childs) - {own})
    return childs, rest
