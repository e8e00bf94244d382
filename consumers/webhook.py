"""A follower's webhook sink (``consumers.follower``): each value POSTed as JSON to a state's URL.

Tried with exponential backoff; a value it still refuses goes to a dead-letter file (one JSON object
a line: the value under its kind's name, ``notice``, ``request`` or ``correction``, the last error,
the attempts; readable by its owner only) and the subscription goes on. Only a 2xx answer is a
delivery: a redirect is not followed. Each POST is signed with the state's secret (``signature``;
how a receiver checks it: docs/webhooks.md), and goes over https unless plain http is allowed for a
test endpoint.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

from consumers.follower import NOTICES, Kind
from hub.errors import UserInputError

log = structlog.get_logger(__name__)

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
    (and a 200 to that would count as a delivery), and could take the value to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class WebhookSink:
    """POST each value as JSON, signed (``signature``); retry connection errors, timeouts, 408, 429
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
    kind: Kind = NOTICES
    """What is delivered: its id field keys each POST, its name keys the dead-letter entry."""

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

    def deliver(self, value: dict[str, Any]) -> bool:
        body = json.dumps(value, ensure_ascii=False, default=str).encode()
        value_id = str(value[self.kind.id_field])
        error, attempt = "", 0
        for attempt in range(1, self.retries + 2):
            self.attempts += 1
            retry, error = self._post(body, value_id)
            if not error:
                return True
            log.warning(f"webhook refused a {self.kind.name}", id=value_id, attempt=attempt, error=error)
            if not retry or attempt > self.retries:
                break
            self.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
        self._dead_letter(value, error, attempt)
        return False

    def headers(self, body: bytes, value_id: str) -> dict[str, str]:
        """Signed afresh for each attempt: a receiver refuses an old timestamp (see docs/webhooks.md)."""
        timestamp = str(int(self.clock()))
        return {
            "Content-Type": "application/json",
            "Idempotency-Key": value_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
        }

    def _post(self, body: bytes, value_id: str) -> tuple[bool, str]:
        """(worth retrying, error); an empty error is success."""
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __post_init__)
            self.url, data=body, method="POST", headers=self.headers(body, value_id)
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

    def _dead_letter(self, value: dict[str, Any], error: str, attempts: int) -> None:
        self.dead_lettered += 1
        entry = {self.kind.name: value, "error": error, "attempts": attempts,
                 "failed_at": datetime.now(UTC).isoformat()}  # fmt: skip
        with private_append(self.dead_letter) as out:
            out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            out.flush()
            os.fsync(out.fileno())
