"""``msix identity reindex`` on the real PostgreSQL: stored identities get the keys the matcher
gives now, stale keys go, and a worker's lock on an identity is waited for, not overrun."""

from __future__ import annotations

import threading
from dataclasses import replace

import psycopg
import pytest

from hub.bench.identity_speed import _stored
from hub.domain.identity import FACT_COLUMNS, IdentityFacts, fact_values
from hub.domain.msix_id import from_serial
from hub.identity.matcher import ProbabilisticMatcher
from tests.integration.conftest import Hub

pytestmark = pytest.mark.integration

COLS = ", ".join(("state", "state_student_id", "msix_id", *FACT_COLUMNS))


def _store(conn: psycopg.Connection, identities: list[IdentityFacts]) -> None:
    marks = ", ".join(["%s"] * (3 + len(FACT_COLUMNS)))
    with conn.cursor() as cur:
        for n, f in enumerate(identities, start=1):
            msix = from_serial(20_000_000_000 + n)
            cur.execute("INSERT INTO child (msix_id) VALUES (%s)", (msix,))
            # As an older version left them: one key of another kind, none of today's.
            old = f"OLD|{n % 7}"
            cur.execute(
                f"INSERT INTO state_identity ({COLS}, block_keys) VALUES ({marks}, %s)",
                (f.state, f.state_student_id, msix, *fact_values(f), [old]),
            )
            cur.execute("INSERT INTO identity_block VALUES (%s, %s, %s)", (old, f.state, f.state_student_id))
    conn.commit()


def _blocks(conn: psycopg.Connection) -> set[tuple[str, str, str]]:
    """The blocking rows, checked against the keys each identity records for them."""
    with conn.cursor() as cur:
        cur.execute("SELECT block_key, state, state_student_id FROM identity_block")
        rows = set(cur.fetchall())
        cur.execute("SELECT unnest(block_keys), state, state_student_id FROM state_identity")
        assert set(cur.fetchall()) == rows
        return rows


def _expected(identities: list[IdentityFacts]) -> set[tuple[str, str, str]]:
    m = ProbabilisticMatcher()
    return {(k, f.state, f.state_student_id) for f in identities for k in m.blocking_keys(f)}


def test_reindex_rewrites_every_identitys_keys_and_runs_again_to_the_same_rows(hub: Hub) -> None:
    identities = [f for f, *_ in _stored(21, 250)]
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        _store(conn, identities)
        out = hub.msix("identity", "reindex", "--chunk", "100")
        assert "reindexed the blocking keys of 250 identities" in out.stderr
        assert _blocks(conn) == _expected(identities)
        hub.msix("identity", "reindex", "--chunk", "100")
        assert _blocks(conn) == _expected(identities)


def test_reindex_waits_for_a_worker_holding_an_identity_and_keys_its_new_facts(hub: Hub) -> None:
    identities = [f for f, *_ in _stored(22, 40)]
    held = identities[0]
    with (
        psycopg.connect(hub.settings.database.libpq_url) as conn,
        psycopg.connect(hub.settings.database.libpq_url) as worker,
    ):
        _store(conn, identities)
        # A worker's batch holds the identity (its upsert's row lock) and changes its first name.
        worker.execute(
            "UPDATE state_identity SET first_name = 'ZENOBIA' WHERE state = %s AND state_student_id = %s",
            (held.state, held.state_student_id),
        )
        commit = threading.Timer(2.0, worker.commit)
        commit.start()
        # Had the reindex not waited, it would have keyed the name the worker was replacing.
        hub.msix("identity", "reindex", "--chunk", "100")
        commit.join()
        expected = _expected([replace(held, first_name="ZENOBIA"), *identities[1:]])
        assert _blocks(conn) == expected
