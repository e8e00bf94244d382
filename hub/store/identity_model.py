"""The fitted identity model in the store: versions kept (``identity_model``), and what a fit reads.

A fit reads the stored identities (all of them up to ``LIMIT``; beyond, every identity born on a
sample of days, so that two reports of one child, which nearly always share the birth date, stay
together in the sample) and the data admins' decisions as labelled pairs:

- a confirmed near match: the provisional identity and the candidate it was merged into, one child;
- a rejected near match: the identity and each candidate, two children;
- a validated merge: the master's identities of different states, one child;
- a validated split: the identities moved and those left, two children.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
import psycopg
import structlog

from hub.config import DatabaseSettings
from hub.domain.identity import FACT_COLUMNS, IdentityFacts
from hub.identity.model import PRIOR, Model
from hub.identity.model_json import from_json, to_json
from hub.identity.training import Decided

log = structlog.get_logger(__name__)

LIMIT = 300_000

_FACTS = ", ".join(FACT_COLUMNS)


def latest(conn: psycopg.Connection) -> Model | None:
    """The newest fitted model, or None (an empty store runs the hand-set prior)."""
    with conn.cursor() as cur:
        cur.execute("SELECT version, parameters FROM identity_model ORDER BY version DESC LIMIT 1")
        row = cur.fetchone()
    return None if row is None else from_json(row[1], int(row[0]))


def save(conn: psycopg.Connection, model: Model, trained_on: dict[str, int], now: datetime) -> int:
    """Adds ``model`` as the next version; returns its number."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO identity_model (fitted_at, parameters) VALUES (%s, %s::jsonb) RETURNING version",
            (now, orjson.dumps(to_json(model, trained_on)).decode()),
        )
        version = int(cur.fetchone()[0])  # type: ignore[index]
    return version


def identities(conn: psycopg.Connection, limit: int = LIMIT) -> list[IdentityFacts]:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM state_identity")
        total = int(cur.fetchone()[0])  # type: ignore[index]
        every = max(1, -(-total // limit))
        # hashtext: a fixed hash, so the same days are sampled each time (a fit repeats).
        cur.execute(
            f"""SELECT state, state_student_id, {_FACTS} FROM state_identity
                 WHERE %s = 1 OR birth_date IS NULL OR abs(hashtext(birth_date::text)) %% %s = 0
                 ORDER BY state, state_student_id""",
            (every, every),
        )
        return [IdentityFacts(*row) for row in cur]


_DECIDED = """
SELECT 'item' AS source, w.state, w.state_student_id, c->>'state', c->>'state_student_id',
       w.status = 'confirmed' AND r.params->>'master' = c->>'msix_id' AS same
  FROM worklist_item w
  CROSS JOIN LATERAL jsonb_array_elements(w.candidates) c
  LEFT JOIN identity_request r ON r.item_id = w.item_id AND r.kind = 'merge' AND r.status = 'done'
 WHERE w.status = 'rejected' OR (w.status = 'confirmed' AND r.params->>'master' = c->>'msix_id')
UNION ALL
SELECT 'merge', a.state, a.state_student_id, b.state, b.state_student_id, true
  FROM identity_request r
  JOIN state_identity a ON a.msix_id = r.outcome->>'master'
  JOIN state_identity b ON b.msix_id = a.msix_id AND b.state > a.state
 WHERE r.kind = 'merge' AND r.status = 'done' AND r.item_id IS NULL
UNION ALL
SELECT 'split', a.state, a.state_student_id, b.state, b.state_student_id, false
  FROM identity_request r
  JOIN state_identity a ON a.msix_id = r.outcome->>'new_msix_id'
  JOIN state_identity b ON b.msix_id = r.outcome->>'from'
 WHERE r.kind = 'split' AND r.status = 'done'
"""


def decided(conn: psycopg.Connection) -> list[Decided]:
    """The data admins' decisions as labelled pairs of identities (see the module)."""
    with conn.cursor() as cur:
        cur.execute(_DECIDED)
        pairs = [((a_state, a_id), (b_state, b_id), bool(same)) for _, a_state, a_id, b_state, b_id, same in cur]
        facts = _facts(cur, {k for a, b, _ in pairs for k in (a, b)})
    return [Decided(facts[a], facts[b], same) for a, b, same in pairs if a in facts and b in facts]


def _facts(cur: psycopg.Cursor[Any], keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], IdentityFacts]:
    wanted = sorted(keys)
    if not wanted:
        return {}
    cur.execute(
        f"""SELECT state, state_student_id, {_FACTS} FROM state_identity
             WHERE (state, state_student_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))""",
        ([k[0] for k in wanted], [k[1] for k in wanted]),
    )
    return {(row[0], row[1]): IdentityFacts(*row) for row in cur}


def newest(settings: DatabaseSettings) -> Model:
    """The model a worker starts with: the newest fitted version, or the hand-set prior where none
    was fitted yet (or the store predates migration 0009)."""
    try:
        conn = psycopg.connect(settings.libpq_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        log.warning("identity model not read: no database; the hand-set prior runs")
        return PRIOR
    try:
        return latest(conn) or PRIOR
    except psycopg.errors.UndefinedTable:
        return PRIOR
    finally:
        conn.close()
