"""The data admins' rules for near matches, merges and splits (pure: the store carries them out).

- A near match is confirmed (the provisional child merges into the candidate chosen) or rejected
  (it stays a child of its own). Rejecting changes nothing, so one person may do it; confirming is
  a merge, and every merge and split waits for a second data admin to validate it.
- A merge names a master and the children merged into it; their MSIX ids become aliases of the
  master. A split moves one state's records of a child to a new MSIX id; the child must keep records
  of another state.
- An open item not acted on escalates once it is older than the configured time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain import msix_id as msix
from hub.errors import UserInputError

OPEN, CONFIRMED, REJECTED = "open", "confirmed", "rejected"
PENDING, DONE = "pending", "done"


class NotFound(UserInputError):
    """No such worklist item, request or child (the API answers 404; the CLI, like any mistake, exits 2)."""


class Conflict(UserInputError):
    """The item or request is not in a state that allows this (closed, already requested, same person:
    the API answers 409)."""


@dataclass(frozen=True, slots=True)
class Request:
    request_id: int
    kind: str
    requested_by: str
    status: str


def actor(name: str) -> str:
    name = name.strip()
    if not name:
        raise UserInputError("--as needs the data admin's user name")
    return name


def check_validation(request: Request, validator: str) -> None:
    if request.status != PENDING:
        raise Conflict(f"request {request.request_id} is {request.status}, not pending")
    if validator == request.requested_by:
        raise Conflict(f"request {request.request_id} must be validated by another data admin")


def check_item_open(item_id: int, status: str) -> None:
    if status != OPEN:
        raise Conflict(f"worklist item {item_id} is {status}")


def check_merge(master: str, others: Sequence[str]) -> list[str]:
    for m in (master, *others):
        if not msix.is_valid(m):
            raise UserInputError(f"{m!r} is not an MSIX id (12 digits with a valid check digit)")
    rest = list(dict.fromkeys(o for o in others if o != master))
    if not rest:
        raise UserInputError("a merge needs at least one MSIX id other than the master")
    return rest


def check_split(msix_id: str, state: str, states_of_child: Sequence[str]) -> None:
    if state not in states_of_child:
        raise UserInputError(f"child {msix_id} has no records from {state}")
    if len(set(states_of_child)) < 2:
        raise UserInputError(f"child {msix_id} has records from {state} only: nothing to split")


def escalation_due(created_at: datetime, escalated_at: datetime | None, now: datetime, after: timedelta) -> bool:
    return escalated_at is None and now - created_at >= after


def event_id(kind: str, request_id: int, msix_id: str) -> str:
    """Deterministic, like the pipeline's: a request carried out is one event per child, once."""
    return hashlib.sha256(f"{kind}|request {request_id}|{msix_id}".encode()).hexdigest()[:32]
