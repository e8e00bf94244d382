"""The batch store's contract (tests/store_contract.py) on PostgreSQL: each test on a database of
its own, copied from the migrated template the ``hub`` fixture copies (no topics: the store needs none)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from hub.config import Settings
from hub.store.batch.port import HeldRow, OutboxRow
from hub.store.batch.postgres import PostgresBatchStore
from infra.local import postgres
from tests.integration.conftest import TEMPLATE_DB
from tests.store_contract import BatchStoreContract


@pytest.fixture
def database_url(stack: Settings) -> Iterator[str]:
    name = f"msix_store_{uuid.uuid4().hex[:10]}"
    postgres.ensure_database(stack, name, template=TEMPLATE_DB)
    yield stack.database.with_database(name).libpq_url
    postgres.drop_database(stack, name)


class TestPostgresBatchStore(BatchStoreContract):
    @pytest.fixture
    def store(self, database_url: str) -> Iterator[PostgresBatchStore]:
        self.url = database_url
        # As the worker connects (faults.connect): not in autocommit, a unit is one transaction.
        with psycopg.connect(database_url, autocommit=False) as conn:
            yield PostgresBatchStore(conn)

    def outbox(self, store: PostgresBatchStore) -> list[OutboxRow]:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute("SELECT topic, key, value FROM outbox ORDER BY id").fetchall()
        return [(t, bytes(k), bytes(v)) for t, k, v in rows]

    def held(self, store: PostgresBatchStore) -> list[HeldRow]:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                """SELECT topic, partition, "offset", state, key, data, status, reason, first_seen_at, updated_at
                     FROM parked_event ORDER BY 1, 2, 3"""
            ).fetchall()
        return [(*r[:4], bytes(r[4]), bytes(r[5]), *r[6:]) for r in rows]
