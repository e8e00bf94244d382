"""Several workers share the partitions; one child is still one child."""

from __future__ import annotations

import signal
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

import schemas
from consumers import idle
from producers.admin import admin_client
from producers.producer import Producer
from tests.integration.conftest import Hub
from tests.integration.submissions import letters

GROUP = "msix-merge"


def student(state: str, i: int) -> dict:
    return {
        "event_id": f"{i:016x}{'1' if state == 'TX' else '2'}{'0' * 15}",
        "action": "I",
        "state": state,
        "state_student_id": f"{state}-{i}",
        "source_ts": datetime(2025, 9, 15, tzinfo=UTC),
        "submission_id": "s",
        "first_name": f"Ana{letters(i)}",
        "last_name_1": "Ramírez",
        # A birth date of its own per child: with one date for all, names a letter apart would be
        # near matches of each other (a person's call), not the automatic links this test needs.
        "birth_date": date(2005, 5, 1) + timedelta(days=i),
        "sex": "F",
    }


def wait_for_members(hub: Hub, count: int) -> None:
    admin = admin_client(hub.settings.kafka)
    group = hub.settings.kafka.topic_prefix + GROUP
    deadline = time.monotonic() + 60
    while not idle.group_assigned(admin, group, count):
        assert time.monotonic() < deadline, f"the workers did not all join {group}"
        time.sleep(0.2)


def publish(hub: Hub, children: range) -> None:
    with Producer(hub.settings.kafka) as producer:
        for i in children:
            for state in ("TX", "MI"):
                record = student(state, i)
                key = record["state_student_id"].encode()
                producer.send(hub.topics.records(state), key, schemas.encode("StudentIdentity", record))


def test_two_workers_meeting_one_child_in_two_states_make_one_child(hub: Hub) -> None:
    children, rounds = 4200, 3
    group = hub.settings.kafka.topic_prefix + GROUP
    workers = [hub.spawn("worker", "--batch-size", "500") for _ in range(2)]
    try:
        wait_for_members(hub, 2)
        # Texas and Michigan report each child at the same moment; each state's partitions are
        # split between the two workers, so the two reports of a child often meet in two workers'
        # transactions at once. Without the advisory lock that makes two children, in most rounds.
        per_round = children // rounds
        for start in range(0, children, per_round):
            publish(hub, range(start, start + per_round))
            idle.wait_caught_up(hub.settings, group, lambda: all(w.poll() is None for w in workers), timeout=300)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=60)
            assert w.returncode == 0, hub.output(w)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM child), (SELECT count(DISTINCT msix_id) FROM state_identity),"
            " (SELECT count(*) FROM state_identity)"
        ).fetchone()
    assert counts == (children, children, 2 * children)
