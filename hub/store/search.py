"""Finding a child: fuzzy names (ranked), birth date, state student id, MSIX id.

Names are searched word by word against ``name_word``, the vocabulary of every name part (see
migration 0003_web): identities with every query word as a name part first; then, for a word no
name has (a typo), identities with a word like it. A query with a digit is an id: a state student
id or an MSIX id, matched exactly.
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
PARTS = "(ARRAY[first_name, last_name_1, last_name_2])"  # as indexed by migration 0003_web
EXPANSIONS = 8  # vocabulary words a query word may stand for
CANDIDATES = 1000  # identities scored at most, a stage: bounds the cost of a very common name

# Stage 1, exact: identities with every query word as a name part (GIN: cheap however common).
# Ranked by the whole name's trigram similarity (fewer extra words first) among at most CANDIDATES.
_EXACT = f"""
SELECT msix_id, max(3.0 + similarity(:name, {NAME})) AS score
FROM (SELECT * FROM state_identity WHERE {PARTS} @> CAST(:words AS text[]) {{born}} LIMIT {CANDIDATES}) c
GROUP BY msix_id ORDER BY score DESC, msix_id LIMIT :limit
"""

# Stage 2, when stage 1 found too few, or a query word is in no name (a typo). A word some name has
# stays itself; a word no name has stands for the EXPANSIONS vocabulary words nearest it by trigram
# distance (GiST: GARSIA -> GARCIA), those one letter off (CRIZ -> CRUZ, which trigrams miss in short
# words), and, from four letters, the shortest that contain it (JOSE in MARIAJOSE, as María José is
# kept). Ranked by word similarity (the query inside the name), strict word similarity (whole words:
# GARSIA is nearer GARCIA than GARZA) and a little of the whole name's similarity.
_KNOWN = "CAST(ARRAY[:w{i}] AS text[])"
_EXPAND = f"""(SELECT coalesce(array_agg(word), '{{{{}}}}') FROM (
    (SELECT word FROM name_word ORDER BY word <-> :w{{i}} LIMIT {EXPANSIONS})
    UNION SELECT word FROM name_word WHERE length(word) BETWEEN :n{{i}} - 1 AND :n{{i}} + 1
                                       AND levenshtein_less_equal(word, :w{{i}}, 1) <= 1
    UNION (SELECT word FROM name_word WHERE :n{{i}} >= 4 AND word LIKE :p{{i}} ORDER BY length(word), word
           LIMIT {EXPANSIONS})) e)"""

_FUZZY = f"""
SELECT msix_id, max(word_similarity(:name, {NAME}) + strict_word_similarity(:name, {NAME})
                    + 0.2 * similarity(:name, {NAME})) AS score
FROM (SELECT * FROM state_identity WHERE ({{words}}) {{born}} AND NOT (msix_id = ANY(:found)) LIMIT {CANDIDATES}) c
GROUP BY msix_id ORDER BY score DESC, msix_id LIMIT :limit
"""

_IDS = """
SELECT DISTINCT msix_id, 5.0 AS score FROM state_identity
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


def _match_words(words: list[str], known: set[str]) -> str:
    """Every query word found among a name's parts; from three words on, every word but one (a state
    that does not report the second surname must not hide the child). Each combination is an AND of
    GIN lookups, and the planner ORs their bitmaps."""
    n = len(words)
    need = n if n < 3 else n - 1
    sets = [(_KNOWN if w in known else _EXPAND).format(i=i) for i, w in enumerate(words)]
    combos = itertools.combinations(range(n), need)
    return " OR ".join("(" + " AND ".join(f"{PARTS} && {sets[i]}" for i in combo) + ")" for combo in combos)


def _by_name(conn: Connection, words: list[str], params: dict[str, Any], born: str) -> list[Any]:
    params = {**params, "words": words, "name": " ".join(words), "found": []}
    known = set(conn.execute(text("SELECT word FROM name_word WHERE word = ANY(:words)"), params).scalars())
    hits = list(conn.execute(text(_EXACT.format(born=born)), params).all()) if known == set(words) else []
    if len(hits) >= params["limit"] or (known == set(words) and len(words) < 3):
        return hits  # every word is some name's: spelt as meant, nothing fuzzier to add
    for i, w in enumerate(words):
        params[f"w{i}"], params[f"p{i}"], params[f"n{i}"] = w, f"%{w}%", len(w)
    params.update(found=[h.msix_id for h in hits], limit=params["limit"] - len(hits))
    fuzzy = _FUZZY.format(words=_match_words(words, known), born=born)
    return hits + list(conn.execute(text(fuzzy), params).all())


def search(conn: Connection, query: Query) -> list[dict[str, Any]]:
    raw = "".join(ch for ch in query.text if ch.isprintable()).strip()  # PostgreSQL text holds no NUL
    params: dict[str, Any] = {"raw": raw, "born": query.birth_date, "limit": query.limit}
    born = "AND birth_date = :born" if query.birth_date else ""
    words = query.words
    if query.is_id:
        hits = conn.execute(text(_IDS.format(born=born)), params).all()
    elif words:
        hits = _by_name(conn, words, params, born)
    elif query.birth_date:
        hits = conn.execute(text(_BORN.format(born=born)), params).all()
    else:
        return []

    ids = [h.msix_id for h in hits]
    if not ids:
        return []
    shown: dict[str, dict[str, Any]] = {k: v for k, v in conn.execute(text(_SHOWN), {"ids": ids})}
    states: dict[str, list[str]] = {k: v for k, v in conn.execute(text(_STATES), {"ids": ids})}
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
