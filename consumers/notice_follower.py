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
(one JSON object a line: the notice, the last error, the attempts; readable by its owner only) and
the subscription goes on. Only a 2xx answer is a delivery: a redirect is not followed. Each POST is
signed with the state's secret (``signature``; how a receiver checks it: docs/webhooks.md), and
goes over https unless plain http is allowed for a test endpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
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


SIGNATURE_HEADER = "X-MSIX-Signature"
TIMESTAMP_HEADER = "X-MSIX-Timestamp"
MIN_SECRET_BYTES = 32
"""Characters a webhook secret has at least: guessing it is then out of reach (``openssl rand -hex 32``
gives 64, 256 random bits)."""
_MAX_ANSWER = 64 * 1024
"""Bytes of a webhook's answer read: its status is what counts, the body is not used."""


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-MSIX-Signature`` header's value: HMAC-SHA256, keyed by the state's secret, over the
    timestamp header's value, a dot and the raw body (so a replay cannot claim a new time)."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def read_secret(path: Path) -> bytes:
    """A webhook secret from its file (one line; surrounding white space ignored), never from argv,
    where other users of the machine could read it (``ps``)."""
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise UserInputError(f"--webhook-secret-file {path}: {exc.strerror or exc}") from None
    if len(secret) < MIN_SECRET_BYTES or b"\n" in secret:
        raise UserInputError(
            f"--webhook-secret-file {path}: one line of at least {MIN_SECRET_BYTES} characters "
            "is required (e.g. openssl rand -hex 32)"
        )
    return secret


def private_append(path: Path) -> IO[str]:
    """``path`` opened to append text, created readable by its owner only (0600, whatever the umask):
    it holds children's names and birth dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with contextlib.suppress(OSError):  # made by an earlier version, or by someone else: as it is
        os.fchmod(fd, os.fstat(fd).st_mode & 0o700)
    return os.fdopen(fd, "a", encoding="utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered, not followed: urllib would re-send a POST as a GET without its body
    (and a 200 to that would count as a delivery), and could take the notice to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class WebhookSink:
    """POST each notice as JSON, signed (``signature``); retry connection errors, timeouts, 408, 429
    and 5xx with backoff. Only a 2xx answer is a delivery."""

    url: str
    dead_letter: Path
    secret: bytes
    allow_http: bool = False
    """Plain http:// (a test endpoint on this machine); otherwise https:// is required."""
    retries: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    max_backoff: float = 60.0
    timeout: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    dead_lettered: int = 0
    attempts: int = 0

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise UserInputError(f"--webhook {self.url[:80]!r}: an https:// URL is required")
        if parts.scheme == "http" and not self.allow_http:
            raise UserInputError(
                f"--webhook {self.url[:80]!r}: https:// is required (--allow-http for a test endpoint)"
            )
        if len(self.secret) < MIN_SECRET_BYTES:
            raise UserInputError(f"the webhook secret must be at least {MIN_SECRET_BYTES} characters")
        context = ssl.create_default_context()  # certificates and host names checked
        self._opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))

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

    def headers(self, body: bytes, notice_id: str) -> dict[str, str]:
        """Signed afresh for each attempt: a receiver refuses an old timestamp (see docs/webhooks.md)."""
        timestamp = str(int(self.clock()))
        return {
            "Content-Type": "application/json",
            "Idempotency-Key": notice_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
        }

    def _post(self, body: bytes, notice_id: str) -> tuple[bool, str]:
        """(worth retrying, error); an empty error is success."""
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __post_init__)
            self.url, data=body, method="POST", headers=self.headers(body, notice_id)
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(_MAX_ANSWER)
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:  # the same URL will answer the same: no retry
                return False, f"HTTP {exc.code}: a redirect is not a delivery (give the final URL)"
            return exc.code in (408, 429) or exc.code >= 500, f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            return True, str(getattr(exc, "reason", exc))
        return (False, "") if 200 <= status < 300 else (False, f"HTTP {status}")

    def _dead_letter(self, notice: dict[str, Any], error: str, attempts: int) -> None:
        self.dead_lettered += 1
        entry = {"notice": notice, "error": error, "attempts": attempts, "failed_at": datetime.now(UTC).isoformat()}
        with private_append(self.dead_letter) as out:
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
