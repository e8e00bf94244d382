"""manifest.json is the state's to write, so every way it can be hostile is a one-line refusal:
a time in the future (which would win last-writer-wins for ever), a time past the calendar's end,
nesting, the wrong types, bytes that are not UTF-8, a file far too large."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.mde.manifest import CLOCK_SKEW, MAX_MANIFEST_BYTES, read_manifest
from hub.errors import SubmissionRejected

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
BASE: dict[str, Any] = {
    "state": "TX",
    "submitted_at": "2026-12-06T08:00:00Z",
    "source_system": "TX MSIX extract",
    "counts": {"students.csv": 1},
}


def write(tmp_path: Path, manifest: Any) -> Path:
    raw = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    (tmp_path / "manifest.json").write_bytes(raw)
    return tmp_path


def refused(folder: Path, now: datetime = NOW) -> str:
    with pytest.raises(SubmissionRejected) as info:
        read_manifest(folder, "TX", now)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300, message
    return message


def test_a_time_within_the_clock_skew_is_accepted(tmp_path: Path) -> None:
    ahead = (NOW + CLOCK_SKEW - timedelta(seconds=1)).isoformat()
    assert read_manifest(write(tmp_path, {**BASE, "submitted_at": ahead}), "TX", NOW).submitted_at > NOW


@pytest.mark.parametrize(
    "when", ["2999-01-01T00:00:00Z", "2026-12-06T09:05:01Z", "2026-12-06T05:06:00-04:00", "2026-12-06T09:06:00"]
)
def test_a_time_in_the_future_is_refused(tmp_path: Path, when: str) -> None:
    assert "is in the future" in refused(write(tmp_path, {**BASE, "submitted_at": when}))


def test_the_default_now_is_the_clock(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected, match="in the future"):
        read_manifest(write(tmp_path, {**BASE, "submitted_at": "2999-01-01T00:00:00Z"}), "TX")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_time_that_overflows_in_utc_is_refused(tmp_path: Path, when: str) -> None:
    assert "out of range" in refused(write(tmp_path, {**BASE, "submitted_at": when}))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
        (b'{"state": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "nested too deeply"),
        (b'"TX"', "expected a JSON object"),
        (b"null", "expected a JSON object"),
        (b'{"state": "TX", "counts": {"students.csv": ' + b"9" * 5000 + b"}}", "not valid JSON"),
        (b'{"state": "T\xff"}', "not UTF-8"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
        (b" " * (MAX_MANIFEST_BYTES + 1), "larger than"),
    ],
    ids=["nested", "nested-value", "string", "null", "long-int", "latin1", "bom", "huge"],
)
def test_a_file_that_is_not_a_manifest_is_refused(tmp_path: Path, raw: bytes, message: str) -> None:
    assert message in refused(write(tmp_path, raw))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("state", ["TX"], "state ['TX'] is not a USPS state code"),
        ("state", {"a": 1}, "is not a USPS state code"),
        ("state", "X" * 10_000, "state 'XXXXXXXX"),
        ("submitted_at", ["2026"], "is not an ISO-8601 timestamp"),
        ("submitted_at", None, "is not an ISO-8601 timestamp"),
        ("submitted_at", 1.5, "is not an ISO-8601 timestamp"),
        ("source_system", 7, "source_system must be a non-empty string"),
        ("source_system", "x" * 201, "at most 200 characters"),
        ("source_system", "two\nlines", "one line"),
        ("counts", "students.csv", "counts must be an object"),
        ("counts", {"students.csv": 1.0}, "must be a whole number"),
        ("counts", {"students.csv": 10**12}, "must be a whole number"),
        ("counts", {"students.csv": None}, "must be a whole number"),
        ("counts", {"x" * 10_000: 1}, "counts names unknown file 'xxxx"),
    ],
)
def test_wrong_types_and_sizes_are_refused(tmp_path: Path, field: str, value: Any, message: str) -> None:
    assert message in refused(write(tmp_path, {**BASE, field: value}))


def test_a_manifest_with_deep_nesting_in_an_unknown_key_is_refused_or_read(tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(900):
        deep = [deep]
    try:  # json reads 900 levels; whatever it does, never an uncaught RecursionError
        read_manifest(write(tmp_path, {**BASE, "extra": deep}), "TX", NOW)
    except SubmissionRejected as exc:
        assert "nested too deeply" in str(exc)


def test_a_source_system_may_hold_any_script_but_no_control_character(tmp_path: Path) -> None:
    name = "Sistema de Educación\u00a0de Puerto Rico"
    assert read_manifest(write(tmp_path, {**BASE, "source_system": name}), "TX", NOW).source_system == name
    assert "no control characters" in refused(write(tmp_path, {**BASE, "source_system": "TX\x1b[31m"}))
