"""The batch store's contract (tests/store_contract.py) on PostgreSQL: each test on a database of
its own, copied from the migrated template the ``hub`` fixture copies (no topics: the store needs none)."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from consumers.merge_batch import process_splitting
from hub.config import Settings
from hub.domain.identity import ExactMatcher, facts_from_fields
from hub.domain.records import Event
from hub.identity.matcher import ProbabilisticMatcher
from hub.store import db
from hub.store.batch.port import HeldRow, IdAllocator, OutboxRow
from hub.store.batch.postgres import PostgresBatchStore
from infra.local import postgres
from producers.topics import Topics
from tests.integration.conftest import TEMPLATE_DB
from tests.store_contract import BatchStoreContract
from tests.unit.factories import T2, student


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


class _Racing:
    """A worker's store whose unit, once it has read its candidates, waits for the other worker's
    to have read theirs: both match before either takes the identity locks."""

    def __init__(self, conn: psycopg.Connection, barrier: threading.Barrier) -> None:
        self._store, self._barrier = PostgresBatchStore(conn), barrier

    @contextmanager
    def unit(self) -> Iterator[Any]:
        with self._store.unit() as unit:
            yield _AfterCandidates(unit, self._barrier)


class _AfterCandidates:
    def __init__(self, unit: Any, barrier: threading.Barrier) -> None:
        self._unit, self._barrier, self._waited = unit, barrier, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)

    def candidates(self, blocking_keys: Any, asking: Any = None) -> Any:
        found = self._unit.candidates(blocking_keys, asking)
        # A merge that locked before it read would wait here in vain: the barrier breaks, and the lock
        # serializes the two (the test then fails on ``barrier.broken``: the race did not happen).
        if not self._waited:  # the first read only: the second look, under the lock, goes on
            self._waited = True
            with contextlib.suppress(threading.BrokenBarrierError):
                self._barrier.wait(timeout=10)
        return found


@pytest.mark.parametrize("matcher", [ExactMatcher(), ProbabilisticMatcher()], ids=["exact", "probabilistic"])
def test_one_child_reported_by_two_states_at_the_same_moment_is_one_child(database_url: str, matcher: Any) -> None:
    """Two workers, each with one state's first report of a child, both read their candidates (and
    find none) before either commits: the second to take the lock sees the first's child."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(event: Event) -> None:
        try:
            with psycopg.connect(database_url, autocommit=False) as conn:
                where = [(Topics().records(event.state), 0, 0)]
                process_splitting(_Racing(conn, barrier), [event], where, "g", Topics(), matcher, IdAllocator(), T2)
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(student(s, f"{s}-1"),)) for s in ("TX", "MI")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and not barrier.broken, errors
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM child").fetchone() == (1,)
        rows = conn.execute("SELECT state, msix_id FROM state_identity ORDER BY state").fetchall()
        kinds = sorted(r[0] for r in conn.execute("SELECT kind FROM identity_event"))
    assert [r[0] for r in rows] == ["MI", "TX"] and rows[0][1] == rows[1][1]
    assert kinds == ["created", "linked"]


def test_the_stores_size_is_the_planners_estimate_once_analyzed_and_follows_growth(database_url: str) -> None:
    """Never analyzed: counted. Analyzed: the rows per page of the last ANALYZE times the pages now,
    so children added since count without another ANALYZE (autovacuum's comes later)."""
    ids = [f"{n:012d}" for n in range(20_000)]
    with psycopg.connect(database_url, autocommit=True) as conn:
        with conn.cursor().copy("COPY child (msix_id) FROM STDIN") as copy:
            for msix_id in ids[:5_000]:
                copy.write_row((msix_id,))
        store = PostgresBatchStore(conn)
        with store.unit() as unit:
            assert unit.stored_children() == 5_000
        conn.execute("ANALYZE child")
        with conn.cursor().copy("COPY child (msix_id) FROM STDIN") as copy:
            for msix_id in ids[5_000:]:
                copy.write_row((msix_id,))
        with store.unit() as unit:
            assert 18_000 <= unit.stored_children() <= 22_000


def _blocks_of(conn: psycopg.Connection, state: str, ssid: str) -> dict[str, int]:
    """An identity's blocking rows: each key with the transaction that wrote its row."""
    rows = conn.execute(
        "SELECT block_key, xmin::text::bigint FROM identity_block WHERE state = %s AND state_student_id = %s",
        (state, ssid),
    ).fetchall()
    return dict(rows)


def test_an_update_deletes_only_the_keys_an_identity_lost_and_writes_only_those_it_gained(database_url: str) -> None:
    """The identity records the keys its rows were written with; an update moves the rows from
    those to the new ones by primary key and leaves the rows of the keys it kept as they were."""
    matcher = ProbabilisticMatcher()
    first = student("TX", "T1")
    renamed = student("TX", "T1", ts=T2, action="U", first_name="Pedro")
    where = [(Topics().records("TX"), 0, 0)]
    with psycopg.connect(database_url, autocommit=False) as conn:
        store = PostgresBatchStore(conn)
        process_splitting(store, [first], where, "g", Topics(), matcher, IdAllocator(), T2)
        before = _blocks_of(conn, "TX", "T1")
        process_splitting(store, [renamed], [(where[0][0], 0, 1)], "g", Topics(), matcher, IdAllocator(), T2)
        after = _blocks_of(conn, "TX", "T1")
        (stored,) = conn.execute("SELECT block_keys FROM state_identity WHERE state_student_id = 'T1'").fetchone()
        conn.rollback()
    old_keys = set(matcher.blocking_keys(facts_from_fields("TX", "T1", first.fields)))
    new_keys = set(matcher.blocking_keys(facts_from_fields("TX", "T1", renamed.fields)))
    assert old_keys - new_keys and new_keys - old_keys and old_keys & new_keys  # the name moves some keys only
    assert set(before) == old_keys
    assert set(after) == new_keys == set(stored)
    assert all(after[k] == before[k] for k in old_keys & new_keys)  # kept rows not written again
    gained_by = {after[k] for k in new_keys - old_keys}
    assert len(gained_by) == 1 and gained_by.isdisjoint(before.values())  # written by the update


def test_the_migration_gives_each_stored_identity_the_keys_of_its_blocking_rows(stack: Settings) -> None:
    """A store from before migration 0013 keeps its blocking rows, and each identity learns them."""
    name = f"msix_migrate_{uuid.uuid4().hex[:10]}"
    postgres.ensure_database(stack, name)
    try:
        settings = stack.database.with_database(name)
        db.migrate(settings, "0012_identity_lock_version")
        with psycopg.connect(settings.libpq_url) as conn:
            conn.execute("INSERT INTO child (msix_id) VALUES ('000000000001'), ('000000000002')")
            conn.execute(
                """INSERT INTO state_identity (state, state_student_id, msix_id, blocking_key)
                   VALUES ('TX', 'T1', '000000000001', 'B|1'), ('MI', 'M1', '000000000002', NULL)"""
            )
            conn.execute("INSERT INTO identity_block VALUES ('B|1', 'TX', 'T1'), ('A|1', 'TX', 'T1')")
        db.migrate(settings)
        with psycopg.connect(settings.libpq_url) as conn:
            keys = dict(conn.execute("SELECT state_student_id, block_keys FROM state_identity").fetchall())
            found = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'identity_block'")
            indexes = {r[0] for r in found}
        assert keys == {"T1": ["A|1", "B|1"], "M1": []}
        assert indexes == {"identity_block_pkey"}
    finally:
        postgres.drop_database(stack, name)
