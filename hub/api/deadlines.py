"""The deadlines a dashboard shows (docs/dashboard.md, "Deadlines"): for one state, what it owes (data
requests received, parents' correction parts, move notices to act on) and what it waits for (its sent
requests overdue); for the nation, per state, counts only.

A listed item carries its id, kind, other state and due date, never the child's MSIX id: the panel
says what to act on, and the request, correction or notices page it links to shows (and audits) the
child.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub import calendars, requests
from hub.domain import deadline_board
from hub.domain.deadline_board import Tally
from hub.store import deadline_counts

PRESSING = ("due_soon", "overdue")


def _item(r: dict[str, Any], other: str) -> dict[str, Any]:
    due = datetime.fromisoformat(r["due_at"])
    day = deadline_board.last_day(calendars.calendar_for(r["to_state"]), due)
    standing = "overdue" if r["overdue"] else "due_soon"
    return {"request_id": r["request_id"], "kind": r["kind"], "state": r[other], "due_at": r["due_at"],
            "due_day": day.isoformat(), "standing": standing}  # fmt: skip


def _part(p: dict[str, Any], state: str) -> dict[str, Any]:
    day = deadline_board.last_day(calendars.calendar_for(state), datetime.fromisoformat(p["due_at"]))
    keep = ("correction_id", "kind", "due_at", "standing")
    return {**{k: p[k] for k in keep}, "due_day": day.isoformat()}


def _notice(n: dict[str, Any], state: str) -> dict[str, Any]:
    day = deadline_board.last_day(calendars.calendar_for(state), datetime.fromisoformat(n["due_at"]))
    return {**n, "due_day": day.isoformat()}


def panel(conn: Connection, state: str, now: datetime) -> dict[str, Any]:
    """``{"owes": {"requests": counts, "corrections": counts, "notices": counts, "pressing": [...],
    "notices_pressing": [...], "notices_more": n}, "waits": {"overdue": [...]}}``: the state's due-soon
    and overdue items, soonest due first; its notices apart, the first ``NOTICES_LISTED`` of them."""
    asked = requests.counts(conn, now).get(state, requests.Counts())
    parts = deadline_counts.correction_counts(conn, now).get(state, Tally())
    notices = deadline_counts.notice_counts(conn, now, only=state).get(state, Tally())
    listed = [_notice(n, state) for n in deadline_counts.pressing_notices(conn, state, now)]
    received = [r for r in requests.listed(conn, state, now, "received") if not r["answered_at"]]
    pressing = [_item(r, "from_state") for r in received if r["overdue"] or r["due_soon"]]
    pressing += [_part(p, state) for p in deadline_counts.pressing_parts(conn, state, now)]
    sent = requests.listed(conn, state, now, "sent", only_overdue=True)
    return {
        "owes": {
            "requests": asdict(asked),
            "corrections": asdict(parts),
            "pressing": sorted(pressing, key=lambda i: i["due_at"]),
            "notices": asdict(notices),
            "notices_pressing": listed,
            "notices_more": max(notices.due_soon + notices.overdue - len(listed), 0),
        },
        "waits": {"overdue": [_item(r, "to_state") for r in sent]},
    }


def national(conn: Connection, now: datetime, only: str | None = None) -> list[dict[str, Any]]:
    """Per state (``only``: that one), its requests, correction parts and move notices open, due
    soon, overdue."""
    asked = requests.counts(conn, now)
    parts = deadline_counts.correction_counts(conn, now)
    notices = deadline_counts.notice_counts(conn, now)
    states = sorted(st for st in set(asked) | set(parts) | set(notices) if only in (None, st))
    none, nothing = requests.Counts(), Tally()
    return [
        {
            "state": st,
            "requests": asdict(asked.get(st, none)),
            "corrections": asdict(parts.get(st, nothing)),
            "notices": asdict(notices.get(st, nothing)),
        }
        for st in states
    ]
