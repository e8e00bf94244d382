"""Read one MDE submission folder: refuse it whole, or stream its rows as accepted or rejected items.

``open_submission`` does every check that refuses the whole submission before anything is
published (manifest, file names, headers, counts, UTF-8, CSV quoting), which means one streaming
pass over each file. ``Submission.items()`` then makes a second pass and yields one item per data
row: students first, then enrollments, courses and assessments, so the hub meets a child before
their records. Nothing is held per row: memory stays flat however large the files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from connectors.items import Accepted, FileSummary, Item, Rejected, SubmissionSummary, Where, rejection
from connectors.mde.csvfile import CsvFile
from connectors.mde.manifest import Manifest, check_counts, check_files, read_manifest
from connectors.mde.rows import ROW_MODELS, Layout, Problem, Row, RowContext, validate_row
from hub.errors import SubmissionRejected

_MODELS: dict[str, type[Row]] = {model.FILE: model for model in ROW_MODELS}

__all__ = ["Accepted", "FileSummary", "Item", "Rejected", "Submission", "SubmissionSummary", "open_submission"]


def open_submission(folder: Path, state: str) -> Submission:
    """Check ``folder`` as a whole; raise SubmissionRejected (one line) if it cannot be published."""
    if not folder.is_dir():
        raise SubmissionRejected(f"no such folder: {folder}")
    manifest = read_manifest(folder, state)
    files = check_files(folder, manifest)
    headers = {name: _check_header(CsvFile(folder / name)) for name in files}
    check_counts(folder, manifest, files)
    if not any(manifest.counts[name] for name in files):
        raise SubmissionRejected(f"nothing to publish: no data rows in {folder}")
    return Submission(folder, manifest, headers)


def _check_header(csv_file: CsvFile) -> list[str]:
    model = _MODELS[csv_file.name]
    header = csv_file.header()
    known = set(model.columns())
    seen: set[str] = set()
    for number, column in enumerate(header, 1):
        if not column:
            raise SubmissionRejected(f"{csv_file.name}: column {number} of the header has no name")
        if column not in known:
            raise SubmissionRejected(f"{csv_file.name}: unknown column {column!r}")
        if column in seen:
            raise SubmissionRejected(f"{csv_file.name}: column {column!r} appears twice")
        seen.add(column)
    for column in model.always_required():
        if column not in seen:
            raise SubmissionRejected(f"{csv_file.name}: no {column!r} column")
    return header


class Submission:
    """A checked submission, ready to stream. Each call of ``items()`` is a fresh pass."""

    def __init__(self, folder: Path, manifest: Manifest, headers: dict[str, list[str]]) -> None:
        self.folder = folder
        self.manifest = manifest
        self.files = list(headers)
        self._headers = headers
        self.total_bytes = sum((folder / name).stat().st_size for name in self.files)
        self._done_bytes = 0
        self._current: CsvFile | None = None
        self._summary = SubmissionSummary(manifest.submission_id)

    @property
    def state(self) -> str:
        return self.manifest.state

    @property
    def bytes_read(self) -> int:
        """Bytes of the data files consumed so far by ``items()`` (``total_bytes`` at the end)."""
        return self._done_bytes + (self._current.bytes_read if self._current else 0)

    @property
    def summary(self) -> SubmissionSummary:
        """Accepted and rejected rows per file; complete once ``items()`` is exhausted."""
        return self._summary

    def items(self) -> Iterator[Item]:
        self._done_bytes = 0
        self._summary = SubmissionSummary(self.manifest.submission_id)
        for name in self.files:
            counts = FileSummary(name)
            self._summary.files.append(counts)
            self._current = CsvFile(self.folder / name)
            for item in _file_items(self._current, self._headers[name], self.manifest):
                if isinstance(item, Accepted):
                    counts.accepted += 1
                else:
                    counts.rejected += 1
                yield item
            self._done_bytes += self._current.bytes_read
            self._current = None


def _file_items(csv_file: CsvFile, header: list[str], manifest: Manifest) -> Iterator[Item]:
    model = _MODELS[csv_file.name]
    context = RowContext(today=manifest.submitted_at.date())
    envelope = {
        "state": manifest.state,
        "source_ts": manifest.submitted_at,
        "submission_id": manifest.submission_id,
    }
    # Every event id of this file starts with the same bytes: hash them once and copy.
    seed = hashlib.sha256("\x1f".join([manifest.state, model.FAMILY, manifest.submitted_at.isoformat(), ""]).encode())
    layout = Layout(model, header)
    rows = csv_file.rows()
    next(rows)  # the header, checked by open_submission
    for line, cells in rows:
        parsed = layout.fields(cells)
        if isinstance(parsed, Problem):
            student_id = _cell(header, cells, "state_student_id")
            yield _rejected(csv_file.name, line, model, parsed, student_id, manifest)
            continue
        fields, content = parsed
        row = validate_row(model, fields, context)
        if isinstance(row, Problem):
            yield _rejected(csv_file.name, line, model, row, fields.get("state_student_id"), manifest)
            continue
        digest = seed.copy()
        digest.update(content.encode())
        record = {"event_id": digest.hexdigest()[:32], **envelope, **row.__dict__}
        yield Accepted(model.FAMILY, row.state_student_id, record, csv_file.name, line)


def _cell(header: list[str], cells: list[str], column: str) -> str | None:
    index = header.index(column)
    return (cells[index].strip() or None) if index < len(cells) else None


def _rejected(
    file: str, line: int, model: type[Row], problem: Problem, student_id: str | None, manifest: Manifest
) -> Rejected:
    where = Where(manifest.state, manifest.submission_id, manifest.submitted_at)
    return rejection(where, file, line, problem.column, problem.reason, model.FAMILY, student_id)
