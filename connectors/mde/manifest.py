"""manifest.json: what a state says it sent, checked against what is in the folder.

Every problem is one line in a SubmissionRejected: the whole submission is refused, since a
manifest that disagrees with its files means the upload is incomplete or mixed up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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


def read_manifest(folder: Path, state: str) -> Manifest:
    """Parse and check ``folder/manifest.json`` for a submission from ``state`` (the --state given)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise SubmissionRejected(f"no {MANIFEST} in {folder}")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionRejected(f"{MANIFEST}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise SubmissionRejected(
            f"{MANIFEST}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise SubmissionRejected(f"{MANIFEST}: expected a JSON object")
    return Manifest(
        state=_state(data.get("state"), state),
        submitted_at=_submitted_at(data.get("submitted_at")),
        source_system=_source_system(data.get("source_system")),
        counts=_counts(data.get("counts")),
        submission_id=fingerprint(data),
    )


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
        raise SubmissionRejected(f"{MANIFEST}: state {value!r} is not a USPS state code")
    if value != expected.strip().upper():
        raise SubmissionRejected(f"{MANIFEST}: state {value!r} does not match --state {expected}")
    return value


def _submitted_at(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise SubmissionRejected(f"{MANIFEST}: submitted_at {value!r} is not an ISO-8601 timestamp") from None
    # A timestamp without a zone is taken as UTC; Avro timestamp-millis keeps milliseconds only.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _source_system(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SubmissionRejected(f"{MANIFEST}: source_system must be a non-empty string")
    return value.strip()


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise SubmissionRejected(f'{MANIFEST}: counts must be an object like {{"students.csv": 10}}')
    for name, count in value.items():
        if name not in DATA_FILES:
            raise SubmissionRejected(f"{MANIFEST}: counts names unknown file {name!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise SubmissionRejected(f"{MANIFEST}: count for {name} must be a whole number, not {count!r}")
    return dict(value)
