"""Values read before they may be published, kept aside in a temporary file, in order.

The StudentEnrollment file holds both what the Student records need (each child's
StudentEducationOrganizationAssociation) and the enrollments, which may only be published after the
Student records. Rather than parse the file twice, its enrollments are mapped when read and kept here
until the students are published. They go to disk in batches, so memory stays flat whatever the
file's size. ``marshal`` writes the plain values (str, int, None, tuples, dicts of str) fastest, and
reads back only what this process wrote.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from typing import IO, Any

_BATCH = 2048


class Aside:
    def __init__(self) -> None:
        self._batch: list[Any] = []
        self._file: IO[bytes] | None = None

    def add(self, value: Any) -> None:
        self._batch.append(value)
        if len(self._batch) >= _BATCH:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="msix-edfi-")  # noqa: SIM115 (closed by drain)
            # Length-prefixed, read back whole: marshal.load() on a file reads value by value through
            # Python calls, about ten times slower than loads() on the batch's bytes.
            data = marshal.dumps(self._batch)
            self._file.write(len(data).to_bytes(8, "little") + data)
            self._batch = []

    def drain(self) -> Iterator[Any]:
        """Every value added, in order; then the aside is empty again."""
        if self._file is not None:
            self._file.seek(0)
            try:
                while size := int.from_bytes(self._file.read(8), "little"):
                    yield from marshal.loads(self._file.read(size))  # noqa: S302 (this process's own file)
            finally:
                self._file.close()
                self._file = None
        batch, self._batch = self._batch, []
        yield from batch
