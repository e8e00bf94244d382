"""Finding a child: fuzzy names (pg_trgm word similarity, ranked), birth date, state id, MSIX id.

Searches the normalized names of ``state_identity`` (one row per state that reported the child)
through the trigram index of migration 0002, then reads the shown names from each child's newest
student record. The name expression must stay identical to the index's for the planner to use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from hub.domain.identity import normalize_name

# `<%` is pg_trgm's word-similarity operator: true when the query is similar enough to some run of
# words of the name (`pg_trgm.word_similarity_threshold`, set per transaction below). The rank adds
# strict word similarity (whole words: "GARSIA" is nearer "GARCIA" than "GARZA") and a little of
# the whole name's similarity (fewer extra words rank higher).
_HITS = """
WITH hits AS (
    SELECT msix_id,
           CASE WHEN state_student_id = :raw OR msix_id = :raw THEN 2.0
                WHEN :name = '' THEN 1.0
                ELSE word_similarity(:name, (first_name || ' ' || last_name_1 || ' ' || last_name_2))
                     + strict_word_similarity(:name, (first_name || ' ' || last_name_1 || ' ' || last_name_2))
                     + 0.2 * similarity(:name, (first_name || ' ' || last_name_1 || ' ' || last_name_2))
           END AS score
    FROM state_identity
    WHERE ({match}) {born}
)
SELECT msix_id, max(score) AS score FROM hits GROUP BY msix_id ORDER BY score DESC, msix_id LIMIT :limit
"""

_NAME_MATCH = ":name <% (first_name || ' ' || last_name_1 || ' ' || last_name_2)"

_SHOWN = """
SELECT DISTINCT ON (si.msix_id) si.msix_id, r.fields
FROM state_identity si
JOIN record r ON r.state = si.state AND r.state_student_id = si.state_student_id
             AND r.family = 'student' AND r.record_key = ''
WHERE si.msix_id = ANY(:ids) AND r.fields IS NOT NULL
ORDER BY si.msix_id, r.source_ts DESC
"""

_STATES = """
SELECT msix_id, array_agg(DISTINCT state ORDER BY state) FROM state_identity WHERE msix_id = ANY(:ids) GROUP BY msix_id
"""


WORD_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # a name, a state student id or an MSIX id; may be empty when birth_date is given
    birth_date: date | None = None
    limit: int = 25

    @property
    def name(self) -> str:
        """The name as ``state_identity`` keeps names: upper case, accents and punctuation dropped."""
        return " ".join(filter(None, (normalize_name(w) for w in self.text.split())))


def search(conn: Connection, query: Query) -> list[dict[str, Any]]:
    raw, name = query.text.strip(), query.name
    clauses = []
    if raw:
        clauses += ["state_student_id = :raw", "msix_id = :raw"]
    if name:
        clauses.append(_NAME_MATCH)
    if not clauses:  # birth date alone
        clauses.append("true")
    born = "AND birth_date = :born" if query.birth_date else ""
    params = {"raw": raw, "name": name, "born": query.birth_date, "limit": query.limit}
    # 0.5 rather than pg_trgm's 0.6: one wrong letter in a short surname still matches.
    conn.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"), {"t": str(WORD_THRESHOLD)})
    hits = conn.execute(text(_HITS.format(match=" OR ".join(clauses), born=born)), params).all()
    ids = [h.msix_id for h in hits]
    if not ids:
        return []
    shown: dict[str, dict[str, Any]] = dict(conn.execute(text(_SHOWN), {"ids": ids}).tuples().all())
    states: dict[str, list[str]] = dict(conn.execute(text(_STATES), {"ids": ids}).tuples().all())
    out = []
    for hit in hits:
        fields = shown.get(hit.msix_id) or {}
        out.append(
            {
                "msix_id": hit.msix_id,
                "first_name": fields.get("first_name"),
                "last_name_1": fields.get("last_name_1"),
                "last_name_2": fields.get("last_name_2"),
                "birth_date": fields.get("birth_date"),
                "states": list(states.get(hit.msix_id, [])),
                "score": round(float(hit.score), 3),
            }
        )
    return out
