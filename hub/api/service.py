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
from hub.store.search import Query, search
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


def notices(conn: Connection, user: User, state: str, where: str, client: str | None) -> list[dict[str, Any]]:
    """The state's latest notices; each child listed is audited (a notice names the child)."""
    query = (
        select(move_notice)
        .where(move_notice.c.to_state == state)
        .order_by(move_notice.c.created_at.desc(), move_notice.c.notice_id)
        .limit(NOTICES_SHOWN)
    )
    found = [{k: to_json_value(v) for k, v in row.items()} for row in conn.execute(query).mappings()]
    people.audit_each(conn, user, "notices", (n["msix_id"] for n in found), f"{where} {state}", client)
    return found


def find(conn: Connection, user: User, query: Query, where: str, client: str | None) -> list[dict[str, Any]]:
    """A search's results; each child listed is audited (a name and birth date are a child's data)."""
    results = search(conn, query)
    people.audit_each(conn, user, "search", (r["msix_id"] for r in results), where, client)
    return results


def audit_rejected(
    conn: Connection, user: User, state: str, latest: list[dict[str, Any]], where: str, client: str | None
) -> None:
    """The dashboard's latest rejected rows name children by state id: each is audited, under its
    MSIX id when the hub knows the child (a rejected new child has none: the detail names it)."""
    ssids = [str(r["state_student_id"]) for r in latest if r.get("state_student_id")]
    known = reads.msix_ids_of(conn, state, ssids)
    rows = ((known.get(ssid), f"{where}: {state} {ssid} rejected") for ssid in ssids)
    people.audit_rows(conn, user, "dashboard", rows, client)
