"""The destination state's subscription: `msix notices follow` with the state's own credentials,
restart-safe, to a file or a webhook; receipts and acknowledgements recorded by the hub."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

from producers.admin import admin_client
from tests.integration.conftest import Hub, jsonl
from tests.integration.submissions import student_row, submission


def credentials(hub: Hub, state: str) -> Path:
    hub.msix("states", "add", state)
    path = hub.root / f"{state}.properties"
    hub.msix("states", "credentials", state, "--output", str(path))
    return path


def movers(hub: Hub, name: str, ids: range) -> None:
    """TX reports children leaving for MI: one departure notice each."""
    rows = [student_row(f"TX-{i}", first=f"Ana{chr(65 + i)}", move_to_state="MI") for i in ids]
    hub.msix("publish", "--state", "TX", str(submission(hub.root, name, "TX", "2025-09-15T10:00:00Z", students=rows)))
    hub.msix("worker", "--until-idle")


def wait_for_lines(path: Path, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(lines := jsonl(path.read_text())) >= count:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"{path} did not reach {count} lines: {path.read_text() if path.exists() else 'missing'}")


def stop(hub: Hub, proc: object) -> None:
    proc.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
    code = proc.wait(timeout=30)  # type: ignore[attr-defined]
    assert code in (0, 130), hub.output(proc)  # type: ignore[arg-type]


def test_the_subscriber_survives_restarts_without_losing_or_repeating_a_notice(hub: Hub) -> None:
    mi = credentials(hub, "MI")
    out = hub.root / "mi-notices.jsonl"
    movers(hub, "first", range(1, 4))
    follower = hub.spawn("notices", "follow", "--state", "MI", "--output", str(out), "--credentials", str(mi))
    assert len(wait_for_lines(out, 3)) == 3
    stop(hub, follower)

    movers(hub, "second", range(4, 6))  # while no subscriber runs
    # Worse than a restart: the group's committed offsets are lost, so Kafka hands every notice
    # over again; the delivered-ids file must keep the first three from being written twice.
    group = hub.topics.state_group_prefix("MI") + "follow"
    topic = hub.topics.move_notices("MI")
    reset = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0, 0)])
    admin = admin_client(hub.settings.kafka)  # kept referenced: its futures die with it
    admin.alter_consumer_group_offsets([reset], request_timeout=30)[group].result(timeout=60)

    follower = hub.spawn("notices", "follow", "--state", "MI", "--output", str(out), "--credentials", str(mi))
    lines = wait_for_lines(out, 5)
    time.sleep(3)  # anything repeated would arrive now
    stop(hub, follower)
    lines = jsonl(out.read_text())
    ids = [n["notice_id"] for n in lines]
    assert len(ids) == 5 and len(set(ids)) == 5, ids
    assert sorted(n["first_name"] for n in lines) == ["AnaB", "AnaC", "AnaD", "AnaE", "AnaF"]


SECRET = b"mi-webhook-secret-0123456789abcdef0123456789"


def secret_file(hub: Hub) -> str:
    path = hub.root / "mi-webhook.secret"
    path.write_bytes(SECRET + b"\n")
    path.chmod(0o600)
    return str(path)


class Webhook:
    """A local HTTP endpoint that checks each notice's signature and answers ``failures`` 5xx before
    each success (a request whose signature does not check is never recorded)."""

    def __init__(self, failures: int, status: int = 500) -> None:
        self.requests: list[tuple[int, dict, str]] = []
        self.failures = failures
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(raw)
                # As docs/webhooks.md tells a receiver: the signature over the timestamp and raw body.
                timestamp = self.headers["X-MSIX-Timestamp"]
                mac = hmac.new(SECRET, timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
                assert hmac.compare_digest(self.headers["X-MSIX-Signature"], f"sha256={mac}")
                assert abs(time.time() - int(timestamp)) < 300
                answer = status if outer.failures > 0 else 200
                outer.failures -= 1
                outer.requests.append((answer, body, self.headers["Idempotency-Key"]))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notices"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook_factory() -> Iterator[type[Webhook]]:
    made: list[Webhook] = []

    class Made(Webhook):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    yield Made
    for hook in made:
        hook.server.shutdown()


def test_webhook_that_fails_twice_then_succeeds_gets_the_notice_once(hub: Hub, webhook_factory: type) -> None:
    mi = credentials(hub, "MI")
    movers(hub, "one", range(1, 2))
    hook = webhook_factory(failures=2)
    dead = hub.root / "dead.jsonl"
    proc = hub.msix(
        "notices", "follow", "--state", "MI", "--until-idle", "--webhook", hook.url, "--backoff", "0.05",
        "--allow-http", "--webhook-secret-file", secret_file(hub),
        "--dead-letter", str(dead), "--receipts", "--credentials", str(mi),
    )  # fmt: skip
    assert [answer for answer, _, _ in hook.requests] == [500, 500, 200]
    notice = hook.requests[-1][1]
    assert notice["to_state"] == "MI" and notice["first_name"] == "AnaB"
    assert {key for _, _, key in hook.requests} == {notice["notice_id"]}  # the same idempotency key each try
    assert not dead.exists()
    assert "1 notice(s) delivered" in proc.stderr

    # The hub records the receipt the subscriber sent, then the acknowledgement.
    hub.msix("worker", "--until-idle")
    status = jsonl(hub.msix("notices", "status", "--state", "MI").stdout)
    assert len(status) == 1
    assert status[0]["received_by"] == f"User:{hub.settings.kafka.topic_prefix}state-MI"
    assert status[0]["acknowledged_at"] is None
    overdue = jsonl(hub.msix("notices", "status", "--state", "MI", "--overdue", "--overdue-after", "0").stdout)
    assert [n["notice_id"] for n in overdue] == [notice["notice_id"]]
    not_yet = jsonl(hub.msix("notices", "status", "--state", "MI", "--overdue", "--overdue-after", "24").stdout)
    assert not_yet == []

    hub.msix("notices", "ack", notice["notice_id"], "--state", "MI", "--by", "registrar", "--credentials", str(mi))
    hub.msix("worker", "--until-idle")
    status = jsonl(hub.msix("notices", "status", "--state", "MI").stdout)
    assert status[0]["acknowledged_by"] == f"User:{hub.settings.kafka.topic_prefix}state-MI (registrar)"
    assert status[0]["overdue"] is False
    assert jsonl(hub.msix("notices", "status", "--state", "MI", "--overdue", "--overdue-after", "0").stdout) == []


def test_a_webhook_that_keeps_failing_sends_notices_to_the_dead_letter_file(hub: Hub, webhook_factory: type) -> None:
    mi = credentials(hub, "MI")
    movers(hub, "two", range(1, 3))
    hook = webhook_factory(failures=1000, status=503)
    dead = hub.root / "dead.jsonl"
    hub.msix(
        "notices", "follow", "--state", "MI", "--until-idle", "--webhook", hook.url, "--retries", "2",
        "--backoff", "0.01", "--dead-letter", str(dead), "--credentials", str(mi),
        "--allow-http", "--webhook-secret-file", secret_file(hub),
    )  # fmt: skip
    letters = jsonl(dead.read_text())
    assert dead.stat().st_mode & 0o777 == 0o600  # children's names: the owner's alone
    assert len(letters) == 2 and len(hook.requests) == 6  # three tries each, then the next notice
    assert all(entry["error"] == "HTTP 503" and entry["attempts"] == 3 for entry in letters)
    assert {entry["notice"]["first_name"] for entry in letters} == {"AnaB", "AnaC"}


def test_a_state_cannot_acknowledge_for_another(hub: Hub) -> None:
    mi = credentials(hub, "MI")
    proc = hub.msix("notices", "ack", "some-notice", "--state", "CA", "--credentials", str(mi), check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "movenotice.CA.acks" in proc.stderr


def test_the_documented_example_consumer_reads_a_states_notices(hub: Hub) -> None:
    import re
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[2] / "docs" / "kafka-security.md").read_text()
    code = re.search(r"<!-- state-consumer-example -->\n```python\n(.*?)```", readme, re.S)
    assert code is not None
    script = hub.root / "state_consumer.py"
    script.write_text(code.group(1))
    mi = credentials(hub, "MI")
    movers(hub, "example", range(1, 3))
    history = Path(__file__).resolve().parents[2] / "schemas" / "history"
    group = hub.topics.state_group_prefix("MI") + "my-system"
    done = subprocess.run(
        [sys.executable, str(script), str(mi), hub.topics.move_notices("MI"), group, str(history)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    notices = jsonl(done.stdout)
    assert sorted(n["first_name"] for n in notices) == ["AnaB", "AnaC"]
    assert all(n["to_state"] == "MI" and n["kind"] == "departure" for n in notices)


def test_a_webhook_needs_https_and_a_secret_file(hub: Hub) -> None:
    cases = [
        (["--webhook", "http://127.0.0.1:9/n", "--webhook-secret-file", secret_file(hub)], "https:// is required"),
        (["--webhook", "https://127.0.0.1:9/n"], "--webhook needs --webhook-secret-file"),
        (["--webhook-secret-file", secret_file(hub)], "--webhook-secret-file is for --webhook"),
    ]
    for args, message in cases:
        proc = hub.msix("notices", "follow", "--state", "MI", "--until-idle", *args, check=False)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
