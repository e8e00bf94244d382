"""Faults that the promise "nothing lost, nothing applied twice" must survive, the fast ones, on the
shared test stack (the tests kill and pause only workers of their own).

Covered elsewhere, not repeated here: a worker SIGKILLed mid-stream with an exact count, and
SIGKILLed between the database commit and Kafka's (test_crash_safety.py); PostgreSQL's
connections lost mid-stream, again and again (test_merge_outage.py); a broker of three SIGKILLed
while a state publishes (test_cluster.py). The slow ones (PostgreSQL stopped 30 s, a broker
restarted, rebalances under load) are `msix bench faults`' (docs/operations.md, "Faults survived").
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psycopg
import pytest

from connectors.mde.reader import open_submission
from connectors.publish import publish_mde
from consumers import idle
from hub.bench import fault_audit
from hub.synthetic import write_events
from producers.producer import Producer
from tests.integration.conftest import Hub
from tests.integration.test_workers import GROUP, publish, wait_for_members

STATES = ("TX", "MI", "FL", "NC")  # streams with moves between them (tx-mi, fl-nc-mi...): notices


def scalar(hub: Hub, sql: str) -> int:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def publish_stream(hub: Hub, events: int) -> None:
    with Producer(hub.settings.kafka) as producer:
        for folder in write_events(events, hub.root / "stream", STATES, seed=5):
            publish_mde(hub.settings.kafka, open_submission(folder, folder.parent.name), producer=producer)


def test_relay_killed_after_produce_before_delete_sends_again_and_loses_nothing(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_stream(hub, 3000)
    # The relay's fault point: SIGKILL once Kafka acknowledged a batch of outbox rows, before the
    # transaction that deletes them commits.
    monkeypatch.setenv("MSIX_FAULT_RELAY", "after-produce")
    crashed = hub.msix("worker", "--until-idle", check=False)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    sent_once = fault_audit.notice_copies(hub.settings)
    assert sent_once, "the relay died before sending a notice: the window was not hit"
    assert scalar(hub, "SELECT count(*) FROM outbox") > 0  # delivered, and still queued

    monkeypatch.delenv("MSIX_FAULT_RELAY")
    hub.msix("worker", "--until-idle")
    copies = fault_audit.notice_copies(hub.settings)
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        made = {row[0] for row in conn.execute("SELECT notice_id FROM move_notice")}
    assert len(made) >= 10
    assert set(copies) == made  # none lost, none made up
    # At least once: what was acknowledged but not deleted went again, with the same notice id;
    # nothing else did.
    assert {n for n, c in copies.items() if c == 2} == set(sent_once)
    assert max(copies.values()) == 2
    assert scalar(hub, "SELECT count(*) FROM outbox") == 0


def test_worker_paused_past_max_poll_interval_then_resumed_loses_and_doubles_nothing(hub: Hub) -> None:
    children = 2000
    short = ("--batch-size", "100", "--max-poll-interval-ms", "6000")
    paused, other = hub.spawn("worker", *short), hub.spawn("worker", *short)
    group = hub.settings.kafka.topic_prefix + GROUP
    try:
        wait_for_members(hub, 2)
        publish(hub, range(children // 2))  # TX and MI report each child: two events a child
        deadline = time.monotonic() + 60
        while scalar(hub, "SELECT count(*) FROM processed_event") < children // 2:
            assert time.monotonic() < deadline, "no progress before the pause"
            time.sleep(0.05)
        paused.send_signal(signal.SIGSTOP)
        publish(hub, range(children // 2, children))
        time.sleep(6 + 6)  # past max.poll.interval.ms and the session it shortens with it
        paused.send_signal(signal.SIGCONT)
        idle.wait_caught_up(hub.settings, group, lambda: paused.poll() is None and other.poll() is None, timeout=120)
    finally:
        for w in (paused, other):
            w.send_signal(signal.SIGCONT)
            w.send_signal(signal.SIGTERM)
        for w in (paused, other):
            w.wait(30)
    logs = [hub.output(w) for w in (paused, other)]
    assert paused.returncode == 0 and other.returncode == 0, logs
    # The pause cost the worker its place in the group: it was past the limit, and said so. Which
    # limit librdkafka names depends on which it checks first after SIGCONT: the poll interval, the
    # coordinator's answer (unknown member), or the session its stopped heartbeats let lapse.
    said = logs[0].lower()
    assert any(w in said for w in ("poll interval", "unknown_member", "session timed out")), logs[0][-3000:]
    applied = scalar(hub, "SELECT count(*) FROM processed_event")
    assert applied == 2 * children  # nothing lost
    assert sum(fault_audit.applied_in_log(Path(p)) for p in _log_paths(hub)) == applied  # nothing applied twice
    assert scalar(hub, "SELECT count(*) FROM record") == 2 * children
    assert scalar(hub, "SELECT count(*) FROM child") == children


def _log_paths(hub: Hub) -> list[Path]:
    return [path for _, path in hub.spawned]
