"""The worklist, merges and splits in the store: what the CLI (and later the API) calls.

Each public function is one transaction on the caller's SQLAlchemy connection (``engine.begin()``).
A merge or split carried out re-points ``state_identity`` (records are keyed by state and state id,
so every record follows), keeps the merged-away ids as aliases, re-keys move notices, writes the
identity events and queues them in the outbox for ``hub.identity``, the same outbox the pipeline's
relay sends: all in one transaction, so Kafka sees exactly what the database holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, text

import schemas
from hub.domain.identity import FACT_COLUMNS
from hub.domain.msix_id import from_serial
from hub.errors import UserInputError
from hub.identity import admin
from hub.store import people
from producers.topics import Topics


def resolve(conn: Connection, msix_id: str) -> str:
    """The MSIX id a (possibly merged-away) id names now."""
    found = conn.execute(
        text("SELECT msix_id FROM child_alias WHERE alias_msix_id = :m"), {"m": msix_id}
    ).scalar_one_or_none()
    return found or msix_id


# --- the worklist ---------------------------------------------------------------------------------


def escalate(conn: Connection, now: datetime, after: timedelta) -> list[int]:
    """Mark open items older than ``after`` as escalated (once); returns their ids."""
    rows = conn.execute(
        text("SELECT item_id, created_at, escalated_at FROM worklist_item WHERE status = 'open' FOR UPDATE")
    ).all()
    due = [i for i, created, escalated in rows if admin.escalation_due(created, escalated, now, after)]
    if due:
        conn.execute(
            text("UPDATE worklist_item SET escalated_at = :now WHERE item_id = ANY(:ids)"), {"now": now, "ids": due}
        )
        for item_id in due:
            _history(conn, now, "hub", "escalated", {"after_hours": after.total_seconds() / 3600}, item_id=item_id)
    return due


def list_items(conn: Connection, status: str = admin.OPEN, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT item_id, msix_id, state, state_student_id, score, status, created_at, escalated_at,
                      candidates
                 FROM worklist_item WHERE status = :status
                ORDER BY escalated_at IS NULL, created_at, item_id LIMIT :limit"""
        ),
        {"status": status, "limit": limit},
    ).mappings()
    return [
        {
            **{k: v for k, v in r.items() if k != "candidates"},
            "escalated": r["escalated_at"] is not None,
            "candidates": [c["msix_id"] for c in r["candidates"]],
        }
        for r in rows
    ]


def show_item(conn: Connection, item_id: int) -> dict[str, Any]:
    """The item, and side by side: the new identity and every candidate child's identities."""
    item = _item(conn, item_id)
    children = [item["msix_id"], *(c["msix_id"] for c in item["candidates"])]
    identities = _identities(conn, children)
    return {
        **item,
        "incoming": identities.get(item["msix_id"], []),
        "candidates": [{**c, "identities": identities.get(c["msix_id"], [])} for c in item["candidates"]],
    }


def reject(conn: Connection, item_id: int, actor: str, now: datetime) -> None:
    item = _item(conn, item_id, lock=True)
    admin.check_item_open(item_id, item["status"])
    conn.execute(
        text("UPDATE worklist_item SET status = 'rejected', closed_at = :now, closed_by = :who WHERE item_id = :id"),
        {"now": now, "who": actor, "id": item_id},
    )
    _history(conn, now, actor, "rejected", {"msix_id": item["msix_id"]}, item_id=item_id)


def confirm(conn: Connection, item_id: int, actor: str, now: datetime, candidate: str | None = None) -> int:
    """A merge request of the provisional child into the candidate chosen (the best by default)."""
    item = _item(conn, item_id, lock=True)
    admin.check_item_open(item_id, item["status"])
    options = [c["msix_id"] for c in item["candidates"]]
    chosen = candidate or options[0]
    if chosen not in options:
        raise UserInputError(f"{chosen} is not a candidate of worklist item {item_id}")
    pending = conn.execute(
        text("SELECT request_id FROM identity_request WHERE item_id = :id AND status = 'pending'"), {"id": item_id}
    ).scalar_one_or_none()
    if pending is not None:
        raise admin.Conflict(f"worklist item {item_id} already has request {pending} waiting for validation")
    return _request(conn, "merge", {"master": chosen, "others": [item["msix_id"]]}, actor, now, item_id)


def request_merge(conn: Connection, master: str, others: list[str], actor: str, now: datetime) -> int:
    rest = admin.check_merge(master, others)
    _require_children(conn, [master, *rest])
    return _request(conn, "merge", {"master": master, "others": rest}, actor, now)


def request_split(conn: Connection, msix_id: str, state: str, actor: str, now: datetime) -> int:
    _require_children(conn, [msix_id])
    admin.check_split(msix_id, state, _states(conn, msix_id))
    return _request(conn, "split", {"msix_id": msix_id, "state": state}, actor, now)


def list_requests(conn: Connection, status: str = admin.PENDING) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """SELECT request_id, kind, params, item_id, status, requested_by, requested_at, validated_by,
                      validated_at, outcome FROM identity_request WHERE status = :s ORDER BY request_id"""
        ),
        {"s": status},
    ).mappings()
    return [dict(r) for r in rows]


def validate(
    conn: Connection, request_id: int, actor: str, now: datetime, topics: Topics, client: str | None = None
) -> dict[str, Any]:
    """A second data admin validates: the merge or split is carried out, now, and written to the
    audit log under every MSIX id it touched (see ``_audit``)."""
    row = conn.execute(
        text(
            "SELECT request_id, kind, requested_by, status, params, item_id FROM identity_request "
            "WHERE request_id = :id FOR UPDATE"
        ),
        {"id": request_id},
    ).one_or_none()
    if row is None:
        raise admin.NotFound(f"no identity request {request_id}")
    admin.check_validation(admin.Request(row.request_id, row.kind, row.requested_by, row.status), actor)
    reason = f"{row.kind} request {request_id} by {row.requested_by}, validated by {actor}"
    if row.kind == "merge":
        outcome = _merge(conn, request_id, row.params["master"], row.params["others"], reason, now, topics)
        if row.item_id is not None:
            conn.execute(
                text(
                    "UPDATE worklist_item SET status = 'confirmed', closed_at = :now, closed_by = :who "
                    "WHERE item_id = :id"
                ),
                {"now": now, "who": actor, "id": row.item_id},
            )
    else:
        outcome = _split(conn, request_id, row.params["msix_id"], row.params["state"], reason, now, topics)
    conn.execute(
        text(
            "UPDATE identity_request SET status = 'done', validated_by = :who, validated_at = :now, "
            "outcome = CAST(:outcome AS jsonb) WHERE request_id = :id"
        ),
        {"who": actor, "now": now, "outcome": orjson.dumps(outcome).decode(), "id": request_id},
    )
    _history(conn, now, actor, f"validated {row.kind}", outcome, item_id=row.item_id, request_id=request_id)
    _audit(conn, request_id, row.requested_by, actor, outcome, client)
    return outcome


def _audit(
    conn: Connection, request_id: int, requested_by: str, actor: str, outcome: dict[str, Any], client: str | None
) -> None:
    """The audit trail follows the child. A merge leaves past rows as written: ``people.audit_entries``
    answers for any id with the rows of every id that names the same child now. A split cannot know
    which state's part of a record a past reader saw, so past rows stay with the old id; the split
    itself is a row under both ids, naming the other, so either trail leads to the rest."""
    who = people.User(actor, "data_admin", None)  # only data admins validate (the API checks the role)
    if outcome["kind"] == "merge":
        ids = [outcome["master"], *outcome["merged"]]
        detail = f"request {request_id} by {requested_by}: {', '.join(outcome['merged'])} into {outcome['master']}"
    else:
        ids = [outcome["from"], outcome["new_msix_id"]]
        states = sorted({m[0] for m in outcome["state_ids_moved"]})
        detail = (
            f"request {request_id} by {requested_by}: {', '.join(states)} records of {outcome['from']} "
            f"to {outcome['new_msix_id']}"
        )
    for msix_id in ids:
        people.audit(conn, who, outcome["kind"], msix_id, detail, client)


# --- carrying out ---------------------------------------------------------------------------------


def _merge(
    conn: Connection, request_id: int, master: str, others: list[str], reason: str, now: datetime, topics: Topics
) -> dict[str, Any]:
    master = resolve(conn, master)
    # Ids merged since the request was made follow their child; a child merged into the master by
    # then needs nothing more.
    rest = [o for o in dict.fromkeys(resolve(conn, o) for o in others) if o != master]
    if not rest:
        raise admin.Conflict(f"request {request_id}: those children are already one")
    moved = conn.execute(
        text(
            "UPDATE state_identity SET msix_id = :master, linked_at = :now WHERE msix_id = ANY(:others) "
            "RETURNING state, state_student_id"
        ),
        {"master": master, "others": rest, "now": now},
    ).all()
    params = {"master": master, "others": rest, "now": now, "req": request_id}
    # Ids that already named a merged-away child now name the master: aliases never chain.
    conn.execute(text("UPDATE child_alias SET msix_id = :master WHERE msix_id = ANY(:others)"), params)
    conn.execute(
        text(
            "INSERT INTO child_alias (alias_msix_id, msix_id, merged_at, request_id) "
            "SELECT o, :master, :now, :req FROM unnest(CAST(:others AS text[])) AS o"
        ),
        params,
    )
    notices = conn.execute(
        text("UPDATE move_notice SET msix_id = :master WHERE msix_id = ANY(:others)"), params
    ).rowcount
    # A provisional child merged away closes its open item; an item proposing it stays for a person.
    conn.execute(
        text(
            "UPDATE worklist_item SET status = 'confirmed', closed_at = :now, closed_by = 'merge' "
            "WHERE msix_id = ANY(:others) AND status = 'open'"
        ),
        params,
    )
    events = [
        _event("merged", admin.event_id("merged", request_id, o), master, None, None, o, reason, now) for o in rest
    ]
    _publish(conn, events, topics)
    return {
        "kind": "merge",
        "master": master,
        "merged": rest,
        "state_ids_moved": [list(m) for m in moved],
        "notices_rekeyed": notices,
    }


def _split(
    conn: Connection, request_id: int, msix_id: str, state: str, reason: str, now: datetime, topics: Topics
) -> dict[str, Any]:
    msix_id = resolve(conn, msix_id)
    admin.check_split(msix_id, state, _states(conn, msix_id))
    serial = conn.execute(text("SELECT nextval('msix_serial')")).scalar_one()
    new_id = from_serial(serial)
    conn.execute(text("INSERT INTO child (msix_id, created_at) VALUES (:m, :now)"), {"m": new_id, "now": now})
    moved = conn.execute(
        text(
            "UPDATE state_identity SET msix_id = :new, linked_at = :now WHERE msix_id = :old AND state = :st "
            "RETURNING state, state_student_id"
        ),
        {"new": new_id, "old": msix_id, "st": state, "now": now},
    ).all()
    events = [
        _event("split", admin.event_id("split", request_id, f"{st}|{ssid}"), new_id, st, ssid, msix_id, reason, now)
        for st, ssid in moved
    ]
    _publish(conn, events, topics)
    return {"kind": "split", "from": msix_id, "new_msix_id": new_id, "state_ids_moved": [list(m) for m in moved]}


def _event(
    kind: str,
    event_id: str,
    msix_id: str,
    state: str | None,
    ssid: str | None,
    other: str | None,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "kind": kind,
        "msix_id": msix_id,
        "state": state,
        "state_student_id": ssid,
        "other_msix_id": other,
        "reason": reason,
        "occurred_at": now,
    }


def _publish(conn: Connection, events: list[dict[str, Any]], topics: Topics) -> None:
    for e in events:
        conn.execute(
            text(
                "INSERT INTO identity_event (event_id, kind, msix_id, state, state_student_id, other_msix_id, "
                "reason, occurred_at) VALUES (:event_id, :kind, :msix_id, :state, :state_student_id, "
                ":other_msix_id, :reason, :occurred_at)"
            ),
            e,
        )
        conn.execute(
            text("INSERT INTO outbox (topic, key, value) VALUES (:t, :k, :v)"),
            {"t": topics.identity, "k": e["msix_id"].encode(), "v": schemas.encode("IdentityEvent", e)},
        )


# --- small helpers --------------------------------------------------------------------------------


def _request(
    conn: Connection, kind: str, params: dict[str, Any], actor: str, now: datetime, item_id: int | None = None
) -> int:
    request_id: int = conn.execute(
        text(
            "INSERT INTO identity_request (kind, params, item_id, requested_by, requested_at) "
            "VALUES (:kind, CAST(:params AS jsonb), :item, :who, :now) RETURNING request_id"
        ),
        {"kind": kind, "params": orjson.dumps(params).decode(), "item": item_id, "who": actor, "now": now},
    ).scalar_one()
    _history(conn, now, actor, f"requested {kind}", params, item_id=item_id, request_id=request_id)
    return request_id


def _history(
    conn: Connection,
    now: datetime,
    actor: str,
    action: str,
    detail: dict[str, Any],
    item_id: int | None = None,
    request_id: int | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO identity_history (at, actor, action, item_id, request_id, detail) "
            "VALUES (:at, :actor, :action, :item, :req, CAST(:detail AS jsonb))"
        ),
        {
            "at": now,
            "actor": actor,
            "action": action,
            "item": item_id,
            "req": request_id,
            "detail": orjson.dumps(detail).decode(),
        },
    )


def history(conn: Connection, item_id: int | None = None, request_id: int | None = None) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT entry_id, at, actor, action, item_id, request_id, detail FROM identity_history "
            "WHERE (CAST(:item AS bigint) IS NULL OR item_id = :item) "
            "AND (CAST(:req AS bigint) IS NULL OR request_id = :req) ORDER BY entry_id"
        ),
        {"item": item_id, "req": request_id},
    ).mappings()
    return [dict(r) for r in rows]


def _item(conn: Connection, item_id: int, lock: bool = False) -> dict[str, Any]:
    row = (
        conn.execute(
            text(
                "SELECT item_id, msix_id, state, state_student_id, score, reasons, candidates, status, created_at, "
                "escalated_at, closed_at, closed_by FROM worklist_item WHERE item_id = :id"
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": item_id},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise admin.NotFound(f"no worklist item {item_id}")
    return dict(row)


def _identities(conn: Connection, children: list[str]) -> dict[str, list[dict[str, Any]]]:
    cols = ", ".join(FACT_COLUMNS)
    rows = conn.execute(
        text(f"SELECT msix_id, state, state_student_id, {cols} FROM state_identity WHERE msix_id = ANY(:ids)"),
        {"ids": children},
    ).mappings()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["msix_id"], []).append({k: v for k, v in r.items() if k != "msix_id"})
    return out


def _states(conn: Connection, msix_id: str) -> list[str]:
    return list(
        conn.execute(text("SELECT state FROM state_identity WHERE msix_id = :m"), {"m": msix_id}).scalars().all()
    )


def _require_children(conn: Connection, ids: list[str]) -> None:
    found = set(
        conn.execute(text("SELECT DISTINCT msix_id FROM state_identity WHERE msix_id = ANY(:ids)"), {"ids": ids})
        .scalars()
        .all()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise admin.NotFound(f"no child with MSIX id {missing[0]} (or it was merged away)")
