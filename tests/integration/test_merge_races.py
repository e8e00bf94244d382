"""Several workers, one child enrolling in two states at once: still exactly one notice per move.

Texas's and Michigan's enrollments of a child arrive on two topics, often applied by two workers at
the same moment. Each reads the child's records to detect the move; without the lock per child,
each would miss the other's enrollment and neither would send the arrival (and a departure racing
an arrival would send two notices for one move).

To make the race certain rather than likely, the test holds the record table while the burst is
applied, letting one round of batches through at a time: every worker reads its batch's children,
then waits to write, all at once. (Left to chance, two workers raced on 33 of 1,500 children, three
on none.)
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, date, datetime

import psycopg
import pytest

import schemas
from consumers import idle
from producers.producer import Producer
from tests.integration.conftest import Hub
from tests.integration.test_workers import GROUP, publish, wait_for_members

CHILDREN = 1500
BATCH = "5000"
ROUNDS = 3
HOLD = "LOCK TABLE record IN EXCLUSIVE MODE"


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


def enroll_everywhere_at_once(hub: Hub, children: range) -> None:
    with Producer(hub.settings.kafka) as producer:
        for i in children:
            for state, start in (("TX", date(2025, 8, 20)), ("MI", date(2025, 10, 6))):
                key = f"{state}-{i}".encode()
                producer.send(hub.topics.records(state), key, schemas.encode("Enrollment", enrollment(state, i, start)))


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


@pytest.mark.parametrize("workers", [2, 3])
def test_racing_enrollments_in_two_states_make_one_notice_per_move(hub: Hub, workers: int) -> None:
    group = hub.settings.kafka.topic_prefix + GROUP
    procs = [hub.spawn("worker", "--batch-size", BATCH) for _ in range(workers)]
    alive = lambda: all(p.poll() is None for p in procs)  # noqa: E731
    try:
        wait_for_members(hub, workers)
        publish(hub, range(CHILDREN))  # each child's identity in both states, linked to one child
        idle.wait_caught_up(hub.settings, group, alive, timeout=300)
        with psycopg.connect(hub.settings.database.libpq_url) as blocker:
            # Reads go on (ACCESS SHARE); the batches' writes wait: all workers hold a batch at once.
            blocker.execute(HOLD)
            enroll_everywhere_at_once(hub, range(CHILDREN))
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
        per_child = dict(
            conn.execute(
                """SELECT n, count(*) FROM (
                       SELECT c.msix_id, count(n.notice_id) AS n FROM child c
                         LEFT JOIN move_notice n ON n.msix_id = c.msix_id GROUP BY c.msix_id) t
                    GROUP BY n"""
            ).fetchall()
        )
        kinds = conn.execute("SELECT kind, from_state, to_state, count(*) FROM move_notice GROUP BY 1, 2, 3").fetchall()
    assert per_child == {1: CHILDREN}, f"children by number of notices: {per_child}"
    assert kinds == [("arrival", "TX", "MI", CHILDREN)]
