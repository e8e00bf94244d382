"""One CSV file of a submission, read as a stream of rows with their physical line numbers.

The file is read in binary, line by line, and each line decoded on its own: a byte that is not UTF-8
is reported on the line where it is (a text-mode reader decodes 8 KiB blocks and would name the wrong
line). The csv module then joins lines into rows, so a quoted cell may span lines; ``line`` is the
first physical line of the row. Memory stays flat whatever the file's size.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from pathlib import Path

from hub.errors import SubmissionRejected


class CsvFile:
    """Rows of one CSV file, header included; blank rows (every cell empty) are skipped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.bytes_read = 0
        """Bytes consumed so far by the current pass of ``rows()``, for a progress bar."""

    def rows(self) -> Generator[tuple[int, list[str]], None, None]:
        """Yield ``(line, cells)``; raise SubmissionRejected on bytes that are not UTF-8 or bad quoting."""
        self.bytes_read = 0
        with self.path.open("rb") as fh:
            reader = csv.reader(self._lines(fh), strict=True)
            start = 1
            try:
                for cells in reader:
                    if "".join(cells).strip():
                        yield start, cells
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise SubmissionRejected(f"{self.name} line {start}: malformed CSV ({exc})") from None

    def header(self) -> list[str]:
        """The header row, each name stripped; reads only the first row."""
        rows = self.rows()
        try:
            _, cells = next(rows)
        except StopIteration:
            raise SubmissionRejected(f"{self.name}: empty file, expected a header row") from None
        finally:
            rows.close()
        return [cell.strip() for cell in cells]

    def count_data_rows(self) -> int:
        """Rows after the header, as the csv module sees them (a quoted line break stays in its row)."""
        return max(sum(1 for _ in self.rows()) - 1, 0)

    def _lines(self, fh: Iterator[bytes]) -> Iterator[str]:
        for number, raw in enumerate(fh, 1):
            self.bytes_read += len(raw)
            try:
                # utf-8-sig on the first line: spreadsheet programs often start a UTF-8 file with a BOM.
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                where = f"byte {raw[exc.start]:#04x} at column {exc.start + 1}"
                raise SubmissionRejected(f"{self.name} line {number}: not UTF-8 ({where})") from None
