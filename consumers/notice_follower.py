"""A destination state's subscription to its move notices: ``msix notices follow``.

A long-running consumer in the state's own group. Each notice is handed to a sink (JSON lines on
stdout or in a file, or an HTTP(S) webhook), then its id is appended to a "delivered" file, and
only after a batch is handed on are Kafka's offsets committed. So:

- nothing is lost: a notice whose offset was committed was delivered (or dead-lettered) before;
- nothing is repeated across restarts: a notice redelivered after a crash or restart is found in
  the delivered file and skipped. The one window left is between the sink's success and the append
  to that file (a crash there delivers the notice again); webhooks get an ``Idempotency-Key``
  header with the notice id for that case.

A webhook is tried with exponential backoff; a notice it still refuses goes to a dead-letter file
(one JSON object a line: the notice, the last error, the attempts) and the subscription goes on.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import structlog

from consumers.topic_reader import read_topic
from hub import notices
from hub.config import KafkaSettings
from hub.domain.records import json_fields
from hub.errors import UserInputError
from hub.store.receipts import RECEIVED
from producers.producer import Producer
from producers.topics import Topics

log = structlog.get_logger(__name__)

GROUP = "follow"


class Sink(Protocol):
    def deliver(self, notice: dict[str, Any]) -> bool:
        """Hand the notice on; True if delivered, False if it went to the dead-letter file."""
        ...


class LinesSink:
    """One JSON object a line, flushed (and, for a file, synced to disk) before the next notice."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def deliver(self, notice: dict[str, Any]) -> bool:
        self._out.write(json.dumps(notice, ensure_ascii=False, default=str) + "\n")
        self._out.flush()
        if not self._out.isatty() and self._out.name not in ("<stdout>", "<stderr>"):
            os.fsync(self._out.fileno())
        return True


@dataclass
class WebhookSink:
    """POST each notice as JSON; retry connection errors, timeouts, 408, 429 and 5xx with backoff."""

    url: str
    dead_letter: Path
    retries: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    max_backoff: float = 60.0
    timeout: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    dead_lettered: int = 0
    attempts: int = 0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise UserInputError(f"--webhook {self.url!r}: an http:// or https:// URL is required")
        self._context = ssl.create_default_context()

    def deliver(self, notice: dict[str, Any]) -> bool:
        body = json.dumps(notice, ensure_ascii=False, default=str).encode()
        error = ""
        for attempt in range(1, self.retries + 2):
            self.attempts += 1
            retry, error = self._post(body, notice["notice_id"])
            if not error:
                return True
            log.warning("webhook refused a notice", notice_id=notice["notice_id"], attempt=attempt, error=error)
            if not retry or attempt > self.retries:
                break
            self.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
        self._dead_letter(notice, error, attempt)
        return False

    def _post(self, body: bytes, notice_id: str) -> tuple[bool, str]:
        """(worth retrying, error); an empty error is success."""
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __post_init__)
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": notice_id},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:  # noqa: S310
                response.read()
                return False, ""
        except urllib.error.HTTPError as exc:
            return exc.code in (408, 429) or exc.code >= 500, f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            return True, str(getattr(exc, "reason", exc))

    def _dead_letter(self, notice: dict[str, Any], error: str, attempts: int) -> None:
        self.dead_lettered += 1
        entry = {"notice": notice, "error": error, "attempts": attempts, "failed_at": datetime.now(UTC).isoformat()}
        self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
        with self.dead_letter.open("a") as out:
            out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            out.flush()
            os.fsync(out.fileno())


class Delivered:
    """The ids of notices already handed on, one a line, appended and synced as each is done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ids = set(path.read_text().split()) if path.exists() else set()
        self._out = path.open("a")

    def __contains__(self, notice_id: object) -> bool:
        return notice_id in self._ids

    def add(self, notice_id: str) -> None:
        self._out.write(notice_id + "\n")
        self._out.flush()
        os.fsync(self._out.fileno())
        self._ids.add(notice_id)

    def close(self) -> None:
        self._out.close()


@dataclass
class FollowTotals:
    delivered: int = 0
    skipped: int = 0  # already delivered before a restart
    dead_lettered: int = 0
    ids: list[str] = field(default_factory=list)


def follow(
    kafka: KafkaSettings,
    state: str,
    sink: Sink,
    delivered: Delivered,
    from_beginning: bool = False,
    until_idle: bool = False,
    receipts: bool = False,
) -> FollowTotals:
    """Deliver state ``state``'s notices until stopped (or, ``until_idle``, until caught up)."""
    topics = Topics(kafka.topic_prefix)
    group = topics.state_group_prefix(state) + GROUP
    totals = FollowTotals()
    producer = Producer(kafka) if receipts else None
    try:
        for value in _notices(kafka, topics, state, group, from_beginning, until_idle):
            notice = json_fields(value)
            notice_id = notice["notice_id"]
            if notice_id in delivered:
                totals.skipped += 1
                continue
            if sink.deliver(notice):
                totals.delivered += 1
                if producer is not None:
                    # Sent before the id is marked done: a crash in between sends it again, and
                    # the hub keeps the first receipt of each notice.
                    by = notices.who(kafka, None)
                    receipt = notices.receipt(notice_id, state, RECEIVED, by, datetime.now(UTC))
                    notices.send_receipt(producer, topics, receipt)
                    producer.flush()
            else:
                totals.dead_lettered += 1
            delivered.add(notice_id)
            totals.ids.append(notice_id)
    finally:
        if producer is not None:
            producer.flush(10)
    return totals


def _notices(
    kafka: KafkaSettings, topics: Topics, state: str, group: str, from_beginning: bool, until_idle: bool
) -> Iterator[dict[str, Any]]:
    return read_topic(kafka, topics.move_notices(state), group, "notice_id", from_beginning, until_idle)
