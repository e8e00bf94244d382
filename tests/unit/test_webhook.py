"""The move-notice webhook: only a 2xx answer is a delivery (a redirect is not followed), every POST
is signed with the state's secret over a timestamp and the raw body, https unless allowed otherwise,
and the dead-letter file is its owner's alone."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from consumers.notice_follower import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSink,
    private_append,
    read_secret,
    signature,
)
from hub.errors import UserInputError

SECRET = b"0123456789abcdef0123456789abcdef-MI"
NOTICE = {"notice_id": "n-1", "to_state": "MI", "first_name": "Ana", "last_name_1": "García"}


class Endpoint:
    """A local receiver: answers each POST with the next status of ``answers`` (then 200), with a
    Location for a redirect; a GET (a followed redirect) is recorded and answered 200."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str, Message, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.seen.append(("POST", self.path, self.headers, body))
                status = outer.answers.pop(0) if outer.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                outer.seen.append(("GET", self.path, self.headers, b""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notices"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def endpoint() -> Iterator[type[Endpoint]]:
    made: list[Endpoint] = []

    def make(answers: list[int]) -> Endpoint:
        made.append(Endpoint(answers))
        return made[-1]

    yield make  # type: ignore[misc]
    for e in made:
        e.server.shutdown()
        e.server.server_close()


def sink(url: str, tmp_path: Path, **over: object) -> WebhookSink:
    options: dict = {"allow_http": True, "retries": 2, "backoff": 0.0, "clock": lambda: 1_765_000_000.0}
    return WebhookSink(url, tmp_path / "dead.jsonl", SECRET, **(options | over))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_a_delivery_and_is_not_followed(tmp_path: Path, endpoint, status: int) -> None:  # type: ignore[no-untyped-def]
    e = endpoint([status])
    s = sink(e.url, tmp_path)
    assert s.deliver(NOTICE) is False
    assert [(method, path) for method, path, _, _ in e.seen] == [("POST", "/notices")]  # no retry, no GET
    assert s.dead_lettered == 1 and f"HTTP {status}" in (tmp_path / "dead.jsonl").read_text()


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_a_2xx_is_a_delivery(tmp_path: Path, endpoint, status: int) -> None:  # type: ignore[no-untyped-def]
    e = endpoint([status])
    assert sink(e.url, tmp_path).deliver(NOTICE) is True
    assert not (tmp_path / "dead.jsonl").exists()


def test_each_post_is_signed_over_its_timestamp_and_raw_body(tmp_path: Path, endpoint) -> None:  # type: ignore[no-untyped-def]
    e = endpoint([503, 200])
    assert sink(e.url, tmp_path).deliver(NOTICE) is True
    assert len(e.seen) == 2
    for _, _, headers, body in e.seen:
        timestamp = headers[TIMESTAMP_HEADER]
        assert timestamp == "1765000000"
        expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
        assert headers["Idempotency-Key"] == "n-1"
    # Another secret, another time or another body gives another signature.
    _, _, headers, body = e.seen[0]
    assert signature(SECRET, "1765000000", body) == headers[SIGNATURE_HEADER]
    assert signature(SECRET + b"x", "1765000000", body) != headers[SIGNATURE_HEADER]
    assert signature(SECRET, "1765000001", body) != headers[SIGNATURE_HEADER]
    assert signature(SECRET, "1765000000", body + b" ") != headers[SIGNATURE_HEADER]


def test_https_is_required_unless_http_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="https:// is required"):
        WebhookSink("http://127.0.0.1:9/notices", tmp_path / "d", SECRET)
    for url in ("ftp://example.org/x", "file:///etc/passwd", "https://", "notices"):
        with pytest.raises(UserInputError, match="an https:// URL is required"):
            WebhookSink(url, tmp_path / "d", SECRET, allow_http=True)
    WebhookSink("https://example.org/notices", tmp_path / "d", SECRET)


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="at least 32"):
        WebhookSink("https://example.org/notices", tmp_path / "d", b"short")


def test_the_secret_is_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(SECRET + b"\n")
    assert read_secret(path) == SECRET
    path.write_bytes(b"too short\n")
    with pytest.raises(UserInputError, match="at least 32 characters"):
        read_secret(path)
    with pytest.raises(UserInputError, match="--webhook-secret-file"):
        read_secret(tmp_path / "missing")


def test_the_dead_letter_file_is_its_owners_alone_whatever_the_umask(tmp_path: Path, endpoint) -> None:  # type: ignore[no-untyped-def]
    e = endpoint([400])
    old = os.umask(0)
    try:
        sink(e.url, tmp_path).deliver(NOTICE)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "dead.jsonl").stat().st_mode) == 0o600


def test_an_existing_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("")
    path.chmod(0o644)
    with private_append(path) as out:
        out.write("x\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "x\n"


def test_the_documented_receiver_check_accepts_the_sinks_requests_and_nothing_else(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    code = re.search(r"<!-- webhook-verify-example -->\n```python\n(.*?)```", doc, re.S)
    assert code is not None
    scope: dict = {}
    exec(compile(code.group(1), "docs/webhooks.md", "exec"), scope)
    verify = scope["verify"]
    s = sink("https://example.org/n", tmp_path)
    body = b'{"notice_id": "n-1"}'
    headers = s.headers(body, "n-1")
    now = 1_765_000_000.0
    assert verify(SECRET, headers, body, now)
    assert verify(SECRET, headers, body, now + 299)
    assert not verify(SECRET, headers, body, now + 301)  # a replay, later
    assert not verify(SECRET, headers, body + b" ", now)
    assert not verify(SECRET + b"x", headers, body, now)
    assert not verify(SECRET, headers | {TIMESTAMP_HEADER: "1765000001"}, body, now)
