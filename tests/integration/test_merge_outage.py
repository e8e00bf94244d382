"""PostgreSQL going away does not stop the worker: it waits, reconnects, resumes from the database's
offsets, and every event is applied exactly once. The outages here are the test database's own
(its connections terminated, new ones refused for a while): the shared server stays up."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable

import psycopg

from consumers import idle
from tests.integration.conftest import Hub
from tests.integration.test_workers import GROUP, publish


def admin(hub: Hub) -> psycopg.Connection:
    """A connection to the server's maintenance database, from which the test's database is cut."""
    return psycopg.connect(hub.settings.database.with_database("postgres").libpq_url, autocommit=True)


def cut(hub: Hub, refuse_new: bool) -> int:
    """Terminate every connection to the test's database; with ``refuse_new``, refuse new ones too."""
    name = hub.settings.database.database
    with admin(hub) as conn:
        if refuse_new:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        row = conn.execute(
            # Client sessions only: an autovacuum worker on the database is the server's own.
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND backend_type = 'client backend' AND usename = current_user",
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0


def restore(hub: Hub) -> None:
    with admin(hub) as conn:
        conn.execute(f'ALTER DATABASE "{hub.settings.database.database}" ALLOW_CONNECTIONS true')


def scalar(hub: Hub, sql: str) -> int:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def wait_for(what: Callable[[], bool], worker: subprocess.Popen[str], hub: Hub, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert worker.poll() is None, hub.output(worker)
        assert time.monotonic() < deadline, hub.output(worker)
        time.sleep(0.1)


def stop(worker: subprocess.Popen[str]) -> float:
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    return time.monotonic() - started


def test_worker_waits_out_lost_connections_and_applies_every_event_once(hub: Hub) -> None:
    children = 3000
    publish(hub, range(children))  # TX and MI report each child: 6,000 events
    worker = hub.spawn("worker", "--batch-size", "100")
    try:
        applied = lambda: scalar(hub, "SELECT count(*) FROM processed_event")  # noqa: E731
        for outage in range(4):  # connections killed mid-stream, again and again
            wait_for(lambda n=outage: applied() >= 600 * (n + 1), worker, hub)
            assert cut(hub, refuse_new=outage == 3) > 0
        # The last outage refuses connections for a few seconds: the worker waits, polling Kafka.
        wait_for(lambda: "waiting for PostgreSQL" in hub.output(worker), worker, hub, timeout=30)
        time.sleep(3)
        restore(hub)
        assert applied() < 2 * children, "the outages came too late to test anything"
        idle.wait_caught_up(hub.settings, hub.settings.kafka.topic_prefix + GROUP, lambda: worker.poll() is None)
    finally:
        restore(hub)
        took = stop(worker)
    log = hub.output(worker)
    assert worker.returncode == 0, log
    assert took < 10
    assert log.count("PostgreSQL connection lost") >= 4 and "PostgreSQL is back" in log
    assert '"attempt": 2' in log  # one line per attempt, with the attempt number and the delay
    assert scalar(hub, "SELECT count(*) FROM processed_event") == 2 * children
    assert scalar(hub, "SELECT count(*) FROM record") == 2 * children
    assert scalar(hub, "SELECT count(*) FROM child") == children
    # Resumed from the database's offsets each time: nothing committed was read again.
    assert ", 0 duplicates" in log


def test_a_signal_stops_a_worker_waiting_for_postgresql_within_10_s(hub: Hub) -> None:
    publish(hub, range(10))
    worker = hub.spawn("worker")
    try:
        wait_for(lambda: scalar(hub, "SELECT count(*) FROM processed_event") == 20, worker, hub)
        cut(hub, refuse_new=True)
        publish(hub, range(10, 20))  # an idle worker notices the loss at its next batch
        wait_for(lambda: hub.output(worker).count("waiting for PostgreSQL") >= 2, worker, hub, timeout=30)
        took = stop(worker)
    finally:
        restore(hub)
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, hub.output(worker)
    assert took < 10, took
