"""Why a child's records were linked, for the record page and the CLI: each state identity of the
child with the decision that placed it (``identity_event``) explained field by field
(``hub.identity.explain``), and the open near matches that name the child.

The record page calls ``for_child(conn, msix_id)`` (a SQLAlchemy connection, in the page's
transaction); the result is JSON-ready.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from hub.identity.explain import explain, split_reason


def for_child(conn: Connection, msix_id: str) -> dict[str, Any]:
    links = conn.execute(
        text(
            """SELECT DISTINCT ON (e.state, e.state_student_id) e.state, e.state_student_id, e.kind, e.reason,
                      e.occurred_at
                 FROM identity_event e
                 JOIN state_identity si ON si.state = e.state AND si.state_student_id = e.state_student_id
                WHERE si.msix_id = :id AND e.kind IN ('created', 'linked')
                ORDER BY e.state, e.state_student_id, e.occurred_at DESC"""
        ),
        {"id": msix_id},
    ).mappings()
    near = conn.execute(
        text(
            """SELECT item_id, msix_id, state, state_student_id, score, reasons, candidates, status
                 FROM worklist_item
                WHERE status = 'open' AND (msix_id = :id OR candidates @> CAST(:cand AS jsonb))
                ORDER BY item_id"""
        ),
        {"id": msix_id, "cand": f'[{{"msix_id": "{msix_id}"}}]'},
    ).mappings()
    return {
        "msix_id": msix_id,
        "links": [
            {
                "state": r["state"],
                "state_student_id": r["state_student_id"],
                "kind": r["kind"],
                "at": r["occurred_at"].isoformat(),
                **explain(split_reason(r["reason"] or "")).as_dict(),
            }
            for r in links
        ],
        "near_matches": [_item(dict(r)) for r in near],
    }


def _item(row: dict[str, Any]) -> dict[str, Any]:
    head = explain(row["reasons"], row["score"])
    return {
        "item_id": row["item_id"],
        "provisional_msix_id": row["msix_id"],
        "state": row["state"],
        "state_student_id": row["state_student_id"],
        "status": row["status"],
        **head.as_dict(),
        "candidates": [
            {"msix_id": c["msix_id"], **explain(c.get("reasons", []), c.get("score"), head.model_version).as_dict()}
            for c in row["candidates"]
        ],
    }
