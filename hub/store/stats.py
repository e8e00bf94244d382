"""Counts over the consolidated record store, for summaries (the demo, later the dashboards)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class StoreCounts:
    children: int
    children_in_several_states: int
    records: dict[tuple[str, str], int]  # (state, family) -> live records
    notices: dict[tuple[str, str], int]  # (kind, to_state) -> notices


def counts(conn: Connection) -> StoreCounts:
    children = conn.execute(text("SELECT count(*) FROM child")).scalar_one()
    several = conn.execute(
        text(
            "SELECT count(*) FROM (SELECT msix_id FROM state_identity GROUP BY msix_id "
            "HAVING count(DISTINCT state) > 1) AS s"
        )
    ).scalar_one()
    records = conn.execute(
        text("SELECT state, family, count(*) FROM record WHERE fields IS NOT NULL GROUP BY state, family")
    ).all()
    notices = conn.execute(text("SELECT kind, to_state, count(*) FROM move_notice GROUP BY kind, to_state")).all()
    return StoreCounts(
        children=children,
        children_in_several_states=several,
        records={(st, fam): n for st, fam, n in records},
        notices={(kind, st): n for kind, st, n in notices},
    )
