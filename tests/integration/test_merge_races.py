"""Several workers, one child enrolling in two states at once: still exactly one notice per move.

Texas's and Michigan's enrollments of a child arrive on two topics, often applied by two workers at
the same moment. Each reads the child's records to detect the move; without the lock per child,
each would miss the other's enrollment and neither would send the arrival (and a departure racing
an arrival would send two notices for one move: each checks the other's notice is not there).

To make the race certain rather than likely, the test holds the record table while the burst is
applied, letting one round of batches through at a time: every worker reads its batch's children,
then waits to write, all at once. (Left to chance, two workers raced on 33 of 1,500 children, three
on none.)
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

import schemas
from consumers import idle
from producers.producer import Producer
from tests.integration.conftest import Hub
from tests.integration.test_workers import GROUP, publish, student, wait_for_members

CHILDREN = 1500
BATCH = "5000"
ROUNDS = 3
HOLD = "LOCK TABLE record IN EXCLUSIVE MODE"


# Dates near today: a departure's move date is today when the origin reports no withdrawal, and it
# is the same move as an arrival only within moves.SAME_MOVE_WINDOW.
TODAY = date.today()
TX_START, MI_START = TODAY - timedelta(days=100), TODAY - timedelta(days=10)


def enrollment(state: str, i: int, start: date) -> dict:
    return {
        "event_id": f"{i:016x}{'3' if state == 'TX' else '4'}{'0' * 15}",
        "action": "I",
        "state": state,
        "state_student_id": f"{state}-{i}",
        "source_ts": datetime(2025, 10, 20, tzinfo=UTC),
        "submission_id": "s",
        "enrollment_id": f"{state}-E{i}",
        "enrollment_date": start,
        "withdrawal_date": None,  # Texas's is left open: the child left without a word
        "facility_city": "Holland" if state == "MI" else "Weslaco",
    }


def leaving_texas(i: int) -> dict:
    """Texas's update of the child's identity: gone to Michigan (a departure notice)."""
    record = student("TX", i) | {"event_id": f"{i:016x}5{'0' * 15}", "move_to_state": "MI"}
    return record | {"source_ts": datetime(2025, 10, 21, tzinfo=UTC)}


def send(hub: Hub, messages: list[tuple[str, str, dict]]) -> None:
    with Producer(hub.settings.kafka) as producer:
        for state, schema, record in messages:
            key = record["state_student_id"].encode()
            producer.send(hub.topics.records(state), key, schemas.encode(schema, record))


def both_enrollments(i: int) -> list[tuple[str, str, dict]]:
    return [("TX", "Enrollment", enrollment("TX", i, TX_START)), ("MI", "Enrollment", enrollment("MI", i, MI_START))]


def departure_and_arrival(i: int) -> list[tuple[str, str, dict]]:
    return [("TX", "StudentIdentity", leaving_texas(i)), ("MI", "Enrollment", enrollment("MI", i, MI_START))]


def wait_until_waiting(hub: Hub, sessions: int, timeout: float = 5) -> bool:
    """Until that many of the test database's sessions wait on a lock; False after ``timeout``."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(hub.settings.database.libpq_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if row is not None and row[0] >= sessions:
                return True
            time.sleep(0.05)
    return False


def race(hub: Hub, workers: int, before: Callable[[int], list], burst: Callable[[int], list]) -> dict[int, int]:
    """Publish ``before`` for every child and apply it; then ``burst``, held so that every worker
    reads its batch's children at once. Returns children by number of notices."""
    group = hub.settings.kafka.topic_prefix + GROUP
    procs = [hub.spawn("worker", "--batch-size", BATCH) for _ in range(workers)]
    alive = lambda: all(p.poll() is None for p in procs)  # noqa: E731
    try:
        wait_for_members(hub, workers)
        publish(hub, range(CHILDREN))  # each child's identity in both states, linked to one child
        send(hub, [m for i in range(CHILDREN) for m in before(i)])
        idle.wait_caught_up(hub.settings, group, alive, timeout=300)
        with psycopg.connect(hub.settings.database.libpq_url) as blocker:
            # Reads go on (ACCESS SHARE); the batches' writes wait: all workers hold a batch at once.
            blocker.execute(HOLD)
            send(hub, [m for i in range(CHILDREN) for m in burst(i)])
            for _ in range(ROUNDS):
                if not wait_until_waiting(hub, workers):
                    break
                blocker.commit()
                # Granted once the batches let through commit: the next ones (full, read from the
                # backlog) wait behind it.
                blocker.execute(HOLD)
            blocker.commit()
        idle.wait_caught_up(hub.settings, group, alive, timeout=300)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
            assert p.returncode == 0, hub.output(p)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        assert conn.execute("SELECT count(*) FROM child").fetchone() == (CHILDREN,)
        return dict(
            conn.execute(
                """SELECT n, count(*) FROM (
                       SELECT c.msix_id, count(n.notice_id) AS n FROM child c
                         LEFT JOIN move_notice n ON n.msix_id = c.msix_id GROUP BY c.msix_id) t
                    GROUP BY n"""
            ).fetchall()
        )


@pytest.mark.parametrize("workers", [2, 3])
def test_racing_enrollments_in_two_states_make_one_notice_per_move(hub: Hub, workers: int) -> None:
    per_child = race(hub, workers, lambda i: [], both_enrollments)
    assert per_child == {1: CHILDREN}, f"children by number of notices: {per_child}"
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        kinds = conn.execute("SELECT kind, from_state, to_state, count(*) FROM move_notice GROUP BY 1, 2, 3").fetchall()
    assert kinds == [("arrival", "TX", "MI", CHILDREN)]


@pytest.mark.parametrize("workers", [2, 3])
def test_a_departure_racing_its_arrival_makes_one_notice(hub: Hub, workers: int) -> None:
    texas_open = lambda i: [("TX", "Enrollment", enrollment("TX", i, TX_START))]  # noqa: E731
    per_child = race(hub, workers, texas_open, departure_and_arrival)
    assert per_child == {1: CHILDREN}, f"children by number of notices: {per_child}"
