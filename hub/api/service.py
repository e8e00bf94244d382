"""What the API and the pages both do: read a record, audit it, count credits, make the report."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection, select

from hub import requirements
from hub.api.views import credits_json
from hub.domain import msix_id as msix
from hub.domain.credits import accrue
from hub.domain.records import to_json_value
from hub.report import pdf
from hub.store import identity_admin, people, reads
from hub.store.people import User
from hub.store.tables import move_notice
from producers.topics import is_state_code

NOTICES_SHOWN = 200


def invalid(where: str, name: str, message: str) -> RequestValidationError:
    """A 422 shaped like FastAPI's own (the OpenAPI document promises that shape for every 422)."""
    return RequestValidationError([{"type": "value_error", "loc": [where, name], "msg": message, "input": None}])


def check_state(state: str) -> str:
    code = state.strip().upper()
    if not is_state_code(code):
        raise invalid("query", "state", "not a USPS state or territory code")
    return code


def record(
    conn: Connection, user: User, msix_id: str, action: str, detail: str | None, client: str | None
) -> dict[str, Any]:
    """The consolidated record, its reading audited in the same transaction; 404 when unknown."""
    if len(msix_id) != 12 or not msix_id.isdigit():
        raise invalid("path", "msix_id", "not an MSIX id: 12 digits")
    # A wrong check digit is an id no child has (a mistyped one, caught before any lookup).
    if not msix.is_valid(msix_id):
        raise HTTPException(404, "no child with this MSIX id")
    # A merged-away id (an alias) answers with its master's record, audited under the master's id.
    master = identity_admin.resolve(conn, msix_id)
    found = reads.consolidated(conn, master)
    if found is None:
        raise HTTPException(404, "no child with this MSIX id")
    if master != msix_id:
        detail = f"{detail}; asked for {msix_id}" if detail else f"asked for {msix_id}"
    people.audit(conn, user, action, master, detail, client)
    return found


def master_of(conn: Connection, msix_id: str) -> str:
    """The id a page should show: the master's for an alias (pages redirect to it)."""
    return identity_admin.resolve(conn, msix_id) if msix.is_valid(msix_id) else msix_id


def credits(found: dict[str, Any], state: str) -> dict[str, Any]:
    return credits_json(found["msix_id"], accrue(found.get("courses", []), requirements.for_state(state)))


def report(found: dict[str, Any], state: str, lang: str, today: date) -> bytes:
    return pdf.render(found, credits(found, state), lang, today)


def notices(conn: Connection, state: str) -> list[dict[str, Any]]:
    query = (
        select(move_notice)
        .where(move_notice.c.to_state == state)
        .order_by(move_notice.c.created_at.desc(), move_notice.c.notice_id)
        .limit(NOTICES_SHOWN)
    )
    return [{k: to_json_value(v) for k, v in row.items()} for row in conn.execute(query).mappings()]
