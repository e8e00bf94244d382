"""The one webhook sink, for every kind a state follows: signed over timestamp and raw body, retried
on 5xx, keyed by the kind's own id, a redirect is no delivery, and a value refused for good goes to
the dead-letter file under its kind's name (``notice``, ``request``, ``correction``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from consumers.follower import CORRECTIONS, NOTICES, REQUESTS, Kind
from consumers.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSink
from tests.unit.test_webhook import SECRET, endpoint  # noqa: F401 (the fixture)

REQUEST = {"request_id": "r-1", "msix_id": "123456789012", "kind": "immunization", "to_state": "TX"}
CORRECTION = {"correction_id": "c-1", "msix_id": "123456789012", "state": "TX", "items": [{"section": "student"}]}
NOTICE = {"notice_id": "n-1", "msix_id": "123456789012", "to_state": "TX"}
CASES = [(REQUESTS, REQUEST, "r-1", "request"), (CORRECTIONS, CORRECTION, "c-1", "correction"),
         (NOTICES, NOTICE, "n-1", "notice")]  # fmt: skip


def sink(url: str, tmp_path: Path, kind: Kind) -> WebhookSink:
    return WebhookSink(url, tmp_path / "dead.jsonl", SECRET, allow_http=True, retries=2, backoff=0.0,
                       clock=lambda: 1_765_000_000.0, kind=kind)  # fmt: skip


@pytest.mark.parametrize(("kind", "value", "key", "_"), CASES)
def test_signed_retried_and_keyed_by_the_kinds_id(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    endpoint,  # noqa: F811
    kind: Kind,
    value: dict[str, Any],
    key: str,
    _: str,
) -> None:
    e = endpoint([503, 200])
    assert sink(e.url, tmp_path, kind).deliver(value) is True
    assert len(e.seen) == 2
    for _method, _path, headers, body in e.seen:
        mac = hmac.new(SECRET, headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={mac}" and headers["Idempotency-Key"] == key
        assert json.loads(body) == value


@pytest.mark.parametrize(("kind", "value", "_", "letter_key"), CASES)
def test_refused_for_good_goes_to_the_dead_letter_file_under_its_kind(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    endpoint,  # noqa: F811
    kind: Kind,
    value: dict[str, Any],
    _: str,
    letter_key: str,
) -> None:
    e = endpoint([302])
    s = sink(e.url, tmp_path, kind)
    assert s.deliver(value) is False and len(e.seen) == 1
    [letter] = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert set(letter) == {letter_key, "error", "attempts", "failed_at"}
    assert letter[letter_key] == value and letter["error"].startswith("HTTP 302") and letter["attempts"] == 1
    assert (tmp_path / "dead.jsonl").stat().st_mode & 0o777 == 0o600
