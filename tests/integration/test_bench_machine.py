"""The pipeline benchmark reads the CPU of the real PostgreSQL and Kafka it runs against."""

from __future__ import annotations

import time

import psycopg

import infra.local
from hub.bench.machine import CpuReading
from tests.integration.conftest import Hub


def test_a_backends_work_is_the_databases_cpu_after_it_exits(hub: Hub) -> None:
    local = all(s.running for s in infra.local.status(hub.settings))
    before = CpuReading.take(hub.settings)
    started = time.perf_counter()
    # A backend of its own, which exits when the connection closes: its time then lives only in
    # the postmaster's reaped children's, as a merge worker's backends' does when the worker exits.
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 10000000)").fetchone()
    time.sleep(0.5)  # the postmaster reaps it
    spent = CpuReading.take(hub.settings).since(before, time.perf_counter() - started)
    if not local:  # a server in a container is not measured, and says so
        assert spent.database is None
        assert spent.brokers is None
        return
    assert spent.database is not None
    assert spent.database >= 0.3
    assert spent.brokers is not None
    assert spent.brokers >= 0.0
    assert spent.busy >= spent.database * 0.9
    assert spent.available > 0
