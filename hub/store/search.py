"""Finding a child: fuzzy names (ranked), birth date, state student id, MSIX id.

Names are searched word by word (see migration 0002_web): each query word is expanded to the
vocabulary words like it (trigram similarity, or the word as a prefix), and the state identities
holding one of those for every query word are ranked by pg_trgm's word similarity of the whole
name. A query with a digit is an id: a state student id or an MSIX id, matched exactly.
Shown names come from each child's newest student record, as the consolidated record has them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from hub.domain.identity import normalize_name

MAX_WORDS = 4
NAME = "(first_name || ' ' || last_name_1 || ' ' || last_name_2)"
PARTS = "(ARRAY[first_name, last_name_1, last_name_2])"  # as indexed by migration 0002_web

# A query word stands for the vocabulary words that are like it:
# - `%`, pg_trgm's similarity above `pg_trgm.similarity_threshold` (set below): GARSIA finds GARCIA;
# - one letter off (Levenshtein distance 1), which trigrams miss in short words: CRIZ finds CRUZ;
# - LIKE '%W%', the word inside a name part kept as one: JOSE in MARIAJOSE (María José).
_EXPAND = """(SELECT coalesce(array_agg(word), '{{}}') FROM name_word
  WHERE word % :w{i} OR word LIKE :p{i} OR (length(word) BETWEEN :n{i} - 1 AND :n{i} + 1
                                          AND levenshtein_less_equal(word, :w{i}, 1) <= 1))"""
SIMILARITY_THRESHOLD = 0.3

# Rank: word similarity (the query inside the name), strict word similarity (whole words: GARSIA is
# nearer GARCIA than GARZA), and a little of the whole name's similarity (fewer extra words first).
_NAMES = f"""
SELECT msix_id, max(word_similarity(:name, {NAME}) + strict_word_similarity(:name, {NAME})
                    + 0.2 * similarity(:name, {NAME})) AS score
FROM state_identity WHERE ({{words}}) {{born}}
GROUP BY msix_id ORDER BY score DESC, msix_id LIMIT :limit
"""

_IDS = """
SELECT DISTINCT msix_id, 3.0 AS score FROM state_identity
WHERE (state_student_id = :raw OR msix_id = :raw) {born} ORDER BY msix_id LIMIT :limit
"""

_BORN = """
SELECT DISTINCT msix_id, 1.0 AS score FROM state_identity WHERE true {born} ORDER BY msix_id LIMIT :limit
"""

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


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # a name, a state student id or an MSIX id; may be empty when birth_date is given
    birth_date: date | None = None
    limit: int = 25

    @property
    def words(self) -> list[str]:
        """The name's words as ``state_identity`` keeps names: upper case, accents and punctuation dropped."""
        return [w for w in (normalize_name(part) for part in self.text.split()) if w][:MAX_WORDS]

    @property
    def is_id(self) -> bool:
        return any(ch.isdigit() for ch in self.text)


def _match_words(n: int) -> str:
    """Every query word found among a name's parts; from three words on, every word but one (a state
    that does not report the second surname must not hide the child). Each combination is an AND of
    GIN lookups, and the planner ORs their bitmaps: selective however common each word is."""
    need = n if n < 3 else n - 1
    combos = itertools.combinations(range(n), need)
    return " OR ".join("(" + " AND ".join(f"{PARTS} && {_EXPAND.format(i=i)}" for i in combo) + ")" for combo in combos)


def search(conn: Connection, query: Query) -> list[dict[str, Any]]:
    raw = "".join(ch for ch in query.text if ch.isprintable()).strip()  # PostgreSQL text holds no NUL
    params: dict[str, Any] = {"raw": raw, "born": query.birth_date, "limit": query.limit}
    born = "AND birth_date = :born" if query.birth_date else ""
    words = query.words
    if query.is_id:
        sql = _IDS.format(born=born)
    elif words:
        for i, w in enumerate(words):
            params[f"w{i}"], params[f"p{i}"], params[f"n{i}"] = w, f"%{w}%", len(w)
        params["name"] = " ".join(words)
        sql = _NAMES.format(words=_match_words(len(words)), born=born)
    elif query.birth_date:
        sql = _BORN.format(born=born)
    else:
        return []
        conn.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(SIMILARITY_THRESHOLD)}
        )
    hits = conn.execute(text(sql), params).all()
    ids = [h.msix_id for h in hits]
    if not ids:
        return []
    shown: dict[str, dict[str, Any]] = dict(conn.execute(text(_SHOWN), {"ids": ids}).tuples().all())
    states: dict[str, list[str]] = dict(conn.execute(text(_STATES), {"ids": ids}).tuples().all())
    return [
        {
            "msix_id": hit.msix_id,
            "first_name": (shown.get(hit.msix_id) or {}).get("first_name"),
            "last_name_1": (shown.get(hit.msix_id) or {}).get("last_name_1"),
            "last_name_2": (shown.get(hit.msix_id) or {}).get("last_name_2"),
            "birth_date": (shown.get(hit.msix_id) or {}).get("birth_date"),
            "states": list(states.get(hit.msix_id, [])),
            "score": round(float(hit.score), 3),
        }
        for hit in hits
    ]
