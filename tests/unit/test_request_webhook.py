"""The data-request webhook is the notice webhook keyed by the request id: signed over timestamp and
raw body, retried on 5xx, a redirect is no delivery, refused ones go to the dead-letter file."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from consumers.notice_follower import SIGNATURE_HEADER, TIMESTAMP_HEADER
from consumers.request_follower import RequestWebhookSink
from tests.unit.test_webhook import SECRET, endpoint  # noqa: F401 (the fixture)

REQUEST = {"request_id": "r-1", "msix_id": "123456789012", "kind": "immunization", "to_state": "TX"}


def sink(url: str, tmp_path: Path) -> RequestWebhookSink:
    return RequestWebhookSink(url, tmp_path / "dead.jsonl", SECRET, allow_http=True, retries=2, backoff=0.0,
                              clock=lambda: 1_765_000_000.0)  # fmt: skip


def test_signed_retried_and_keyed_by_the_request_id(tmp_path: Path, endpoint) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    e = endpoint([503, 200])
    assert sink(e.url, tmp_path).deliver(REQUEST) is True
    assert len(e.seen) == 2
    for _, _, headers, body in e.seen:
        mac = hmac.new(SECRET, headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={mac}" and headers["Idempotency-Key"] == "r-1"
        assert json.loads(body) == REQUEST


def test_refused_for_good_goes_to_the_dead_letter_file(tmp_path: Path, endpoint) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    e = endpoint([302])
    s = sink(e.url, tmp_path)
    assert s.deliver(REQUEST) is False and len(e.seen) == 1
    [letter] = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert letter["notice"] == REQUEST and letter["error"].startswith("HTTP 302") and letter["attempts"] == 1
    assert (tmp_path / "dead.jsonl").stat().st_mode & 0o777 == 0o600
