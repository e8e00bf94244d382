"""manifest.json: what a state says it sent, checked against what is in the folder.

Every problem is one line in a SubmissionRejected: the whole submission is refused, since a
manifest that disagrees with its files means the upload is incomplete or mixed up.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors import codes
from connectors.mde.csvfile import CsvFile
from connectors.mde.rows import ROW_MODELS
from hub.errors import SubmissionRejected

MANIFEST = "manifest.json"
DATA_FILES: tuple[str, ...] = tuple(model.FILE for model in ROW_MODELS)
"""The files a submission may hold, in publishing order."""

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))

MAX_MANIFEST_BYTES = 64 * 1024
"""A manifest is a few hundred bytes; anything near this is not one, and is not read into memory."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the hub's clock a submission's time may be. The newest source time wins in the
hub (last writer wins), so a time in the future would make a record unchangeable until then; five
minutes forgives a state's clock running a little fast, not more."""
MAX_COUNT = 1_000_000_000
"""Rows a file may be said to have: more than any state's records, fewer than a line's width of digits."""
MAX_TEXT = 200
"""Characters of ``source_system`` kept: a name, not a document."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Manifest:
    state: str
    submitted_at: datetime
    """UTC, to the millisecond (what an Avro timestamp-millis keeps)."""
    source_system: str
    counts: Mapping[str, int]
    submission_id: str
    """sha256 of the canonical manifest JSON (sorted keys, no spaces), 32 hex digits: the same
    manifest, however formatted, gives the same id."""


def read_manifest(folder: Path, state: str, now: datetime | None = None) -> Manifest:
    """Parse and check ``folder/manifest.json`` for a submission from ``state`` (the --state given);
    ``now`` (default: the clock) bounds ``submitted_at``."""
    data = _json(folder / MANIFEST, folder)
    return Manifest(
        state=_state(data.get("state"), state),
        submitted_at=_submitted_at(data.get("submitted_at"), now or datetime.now(UTC)),
        source_system=_source_system(data.get("source_system")),
        counts=_counts(data.get("counts")),
        submission_id=fingerprint(data),
    )


def _json(path: Path, folder: Path) -> dict[str, Any]:
    """The manifest's JSON object; every way a file can fail to be one is a one-line refusal."""
    if not path.is_file():
        raise SubmissionRejected(f"no {MANIFEST} in {folder}")
    with path.open("rb") as fh:
        raw = fh.read(MAX_MANIFEST_BYTES + 1)  # never more, whatever the file's size
    if len(raw) > MAX_MANIFEST_BYTES:
        raise SubmissionRejected(f"{MANIFEST}: larger than {MAX_MANIFEST_BYTES:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionRejected(f"{MANIFEST}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise SubmissionRejected(
            f"{MANIFEST}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise SubmissionRejected(f"{MANIFEST}: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise SubmissionRejected(f"{MANIFEST}: not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise SubmissionRejected(f"{MANIFEST}: expected a JSON object")
    return data


def fingerprint(manifest: Mapping[str, Any]) -> str:
    return hashlib.sha256(_CANONICAL.encode(manifest).encode("utf-8")).hexdigest()[:32]


def check_files(folder: Path, manifest: Manifest) -> list[str]:
    """The data files present, in publishing order, once they agree with ``manifest.counts`` by name."""
    present = {p.name for p in folder.iterdir() if p.is_file()}
    unknown = sorted(name for name in present if name.lower().endswith(".csv") and name not in DATA_FILES)
    if unknown:
        raise SubmissionRejected(f"unknown file {unknown[0]!r} (expected {', '.join(DATA_FILES)})")
    for name in manifest.counts:
        if name not in present:
            raise SubmissionRejected(f"{MANIFEST} counts {name} but there is no such file")
    files = [name for name in DATA_FILES if name in present]
    for name in files:
        if name not in manifest.counts:
            raise SubmissionRejected(f"{name} is not in the counts of {MANIFEST}")
    return files


def check_counts(folder: Path, manifest: Manifest, files: list[str]) -> None:
    """Count each file's data rows (one streaming pass) against the manifest."""
    for name in files:
        actual = CsvFile(folder / name).count_data_rows()
        if actual != manifest.counts[name]:
            raise SubmissionRejected(
                f"{name}: {MANIFEST} counts {manifest.counts[name]} rows but the file has {actual}"
            )


def _state(value: Any, expected: str) -> str:
    if not isinstance(value, str) or value not in codes.USPS:
        raise SubmissionRejected(f"{MANIFEST}: state {_shown(value)} is not a USPS state code")
    if value != expected.strip().upper():
        raise SubmissionRejected(f"{MANIFEST}: state {_shown(value)} does not match --state {expected}")
    return value


def _submitted_at(value: Any, now: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        # A timestamp without a zone is taken as UTC; Avro timestamp-millis keeps milliseconds only.
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (TypeError, ValueError):
        raise SubmissionRejected(f"{MANIFEST}: submitted_at {_shown(value)} is not an ISO-8601 timestamp") from None
    except OverflowError:  # e.g. 9999-12-31T23:59:59-05:00 is past the last year in UTC
        raise SubmissionRejected(f"{MANIFEST}: submitted_at {_shown(value)} is out of range") from None
    if moment > now + CLOCK_SKEW:
        raise SubmissionRejected(
            f"{MANIFEST}: submitted_at {_shown(value)} is in the future (the hub's clock says "
            f"{now.isoformat(timespec='seconds')})"
        )
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _source_system(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SubmissionRejected(f"{MANIFEST}: source_system must be a non-empty string")
    if len(value.strip()) > MAX_TEXT or _CONTROL.search(value.strip()):
        raise SubmissionRejected(
            f"{MANIFEST}: source_system must be one line of at most {MAX_TEXT} characters, no control characters"
        )
    return value.strip()


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise SubmissionRejected(f'{MANIFEST}: counts must be an object like {{"students.csv": 10}}')
    for name, count in value.items():
        if name not in DATA_FILES:
            raise SubmissionRejected(f"{MANIFEST}: counts names unknown file {_shown(name)}")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise SubmissionRejected(f"{MANIFEST}: count for {name} must be a whole number, not {_shown(count)}")
    return dict(value)


def _shown(value: Any) -> str:
    """A state's value quoted in a message: its repr (one line), cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
