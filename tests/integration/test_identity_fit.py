"""``msix identity fit`` on the real PostgreSQL: a model fitted from the stored identities and the
data admins' decisions is kept as a version, and the worker's matcher runs the newest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import psycopg
import pytest

from consumers.merge_worker import matcher_for
from hub.bench.identity_accuracy import synthetic
from hub.domain.identity import FACT_COLUMNS, Candidate, IdentityFacts, fact_values
from hub.domain.msix_id import from_serial
from hub.store import identity_model
from tests.integration.conftest import Hub

pytestmark = pytest.mark.integration

COLS = ", ".join(("state", "state_student_id", "msix_id", *FACT_COLUMNS))


def _store(conn: psycopg.Connection, identities: list[IdentityFacts]) -> list[str]:
    marks = ", ".join(["%s"] * (3 + len(FACT_COLUMNS)))
    ids = []
    with conn.cursor() as cur:
        for n, f in enumerate(identities, start=1):
            msix = from_serial(30_000_000_000 + n)
            ids.append(msix)
            cur.execute("INSERT INTO child (msix_id) VALUES (%s)", (msix,))
            cur.execute(
                f"INSERT INTO state_identity ({COLS}) VALUES ({marks})",
                (f.state, f.state_student_id, msix, *fact_values(f)),
            )
    conn.commit()
    return ids


def test_fit_keeps_versions_the_worker_runs_the_newest_and_decisions_name_it(hub: Hub) -> None:
    stored, incoming = synthetic(5, 400)
    identities = [r.facts for r in (*stored, *incoming)]
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        assert identity_model.latest(conn) is None
        assert matcher_for(hub.settings).model.version == 0  # type: ignore[attr-defined]  # an empty store: the hand-set prior
        ids = _store(conn, identities)
        # A data admin rejected a near match: the pair is labelled two children.
        a, b = identities[0], identities[1]
        candidates = [{"msix_id": ids[1], "state": b.state, "state_student_id": b.state_student_id, "score": 11.0}]
        conn.execute(
            """INSERT INTO worklist_item
                 (msix_id, state, state_student_id, score, reasons, candidates, status, created_at)
               VALUES (%s, %s, %s, 11, '[]', %s::jsonb, 'rejected', %s)""",
            (ids[0], a.state, a.state_student_id, orjson.dumps(candidates).decode(), datetime.now(UTC)),
        )
        conn.commit()
        assert [(d.a, d.b, d.same) for d in identity_model.decided(conn)] == [(a, b, False)]
        first = json.loads(hub.msix("identity", "fit", "--json").stdout)
        second = json.loads(hub.msix("identity", "fit", "--json").stdout)
        assert (first["version"], second["version"]) == (1, 2)
        assert first["identities"] == len(identities) and first["candidate_pairs"] > len(incoming) // 2
        assert first["labels"] >= 1
        model = identity_model.latest(conn)
    assert model is not None and model.version == 2 and model.first_name_rule
    assert model.tf.tables["first"]  # the names' frequencies, from the store
    matcher = matcher_for(hub.settings)
    assert matcher.model.version == 2  # type: ignore[attr-defined]
    child = incoming[0].facts
    decision = matcher.decide(child, [Candidate(ids[0], identities[0])])
    assert "model v2" in decision.reasons
