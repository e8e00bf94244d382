"""Nothing lost, nothing doubled: a worker killed at the worst moment, or in the middle of a stream,
picks up exactly where the database says it left off."""

from __future__ import annotations

import json
import signal
import time

import psycopg

from tests.integration.conftest import Hub
from tests.integration.kafka_peek import message_count
from tests.integration.submissions import enrollment_row, letters, student_row, submission
from tests.integration.test_pipeline import texas_and_michigan


def scalar(hub: Hub, sql: str) -> int:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_sigkill_after_database_commit_before_offset_commit_duplicates_nothing(hub: Hub) -> None:
    texas, michigan = texas_and_michigan(hub)
    hub.msix("publish", "--state", "TX", str(texas))
    hub.msix("publish", "--state", "MI", str(michigan))
    crashed = hub.msix("worker", "--fault", "after-db-commit", check=False)
    assert crashed.returncode == -signal.SIGKILL  # died right after the database commit
    applied = scalar(hub, "SELECT count(*) FROM processed_event")
    assert applied > 0
    assert scalar(hub, "SELECT count(*) FROM outbox") > 0  # the notice waits, unsent

    restarted = hub.msix("worker", "--until-idle")
    # It resumed from the offsets the database committed with the effects: nothing re-read.
    assert "duplicates" in restarted.stderr and ", 0 duplicates" in restarted.stderr
    assert scalar(hub, "SELECT count(*) FROM processed_event") == 5  # every event once
    assert scalar(hub, "SELECT count(*) FROM child") == 1
    assert message_count(hub.settings.kafka, hub.topics.move_notices("MI")) == 1  # sent exactly once
    assert scalar(hub, "SELECT count(*) FROM outbox") == 0


def test_worker_restarted_mid_stream_loses_nothing(hub: Hub) -> None:
    children = 3000
    folder = submission(
        hub.root,
        "tx",
        "TX",
        "2025-09-15T10:00:00Z",
        students=[student_row(f"TX-{i}", first=f"Niño{letters(i)}", birth="2012-05-01") for i in range(children)],
        enrollments=[enrollment_row(f"TX-{i}", f"E{i}", "2025-08-20") for i in range(children)],
    )
    hub.msix("publish", "--state", "TX", str(folder))
    worker = hub.spawn("worker", "--batch-size", "100")
    deadline = time.monotonic() + 120
    while scalar(hub, "SELECT count(*) FROM processed_event") < 500:  # well into the stream
        assert time.monotonic() < deadline, "the worker made no progress"
        assert worker.poll() is None, hub.output(worker)
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    partial = scalar(hub, "SELECT count(*) FROM processed_event")
    assert partial < 2 * children, "the kill came too late to test anything"

    hub.msix("worker", "--until-idle")
    assert scalar(hub, "SELECT count(*) FROM processed_event") == 2 * children
    assert scalar(hub, "SELECT count(*) FROM record WHERE fields IS NOT NULL") == 2 * children
    assert scalar(hub, "SELECT count(*) FROM child") == children
    assert scalar(hub, "SELECT count(*) FROM state_identity") == children
    sample = json.loads(hub.msix("student", "find", "--state", "TX", "--state-id", f"TX-{children - 1}").stdout)
    assert [e["enrollment_id"] for e in sample["enrollments"]] == [f"E{children - 1}"]
