"""What the Ed-Fi reader promises for a file that breaks: every top-level element that closes before
the error is read, nothing after it, wherever the error falls relative to the parser's chunks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from connectors.edfi.xmlfile import CHUNK, Broken, Top, XmlFile

NS = "http://ed-fi.org/5.2.0"
NAMES = frozenset({"CourseTranscript"})


def _interchange(count: int) -> tuple[bytes, list[int]]:
    """An interchange of ``count`` transcripts, and the byte offset just past each one's end tag."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<InterchangeStudentTranscript xmlns="{NS}">\n'.encode()
    parts, ends, size = [head], [], len(head)
    for n in range(count):
        element = (
            f"  <CourseTranscript>\n    <CourseTitle>Course number {n} with some padding text</CourseTitle>\n"
            f"    <EarnedCredits>{n % 4}.0</EarnedCredits>\n  </CourseTranscript>\n"
        ).encode()
        parts.append(element)
        size += len(element)
        ends.append(size - 1)  # the newline after </CourseTranscript> is not part of it
    parts.append(b"</InterchangeStudentTranscript>\n")
    return b"".join(parts), ends


def _read(path: Path) -> tuple[list[str], Broken | None]:
    titles: list[str] = []
    broken = None
    for found in XmlFile(path).elements(NAMES):
        if isinstance(found, Broken):
            broken = found
        else:
            assert isinstance(found, Top)
            titles.append(found.element[0].text)
    return titles, broken


def test_the_file_spans_several_chunks() -> None:
    data, _ = _interchange(3000)
    assert len(data) > 5 * CHUNK


def test_a_whole_file_is_read_whole(tmp_path: Path) -> None:
    data, ends = _interchange(3000)
    (tmp_path / "t.xml").write_bytes(data)
    titles, broken = _read(tmp_path / "t.xml")
    assert broken is None and len(titles) == len(ends)


@pytest.mark.parametrize("seed", range(12))
def test_every_element_closed_before_a_break_is_read(tmp_path: Path, seed: int) -> None:
    data, ends = _interchange(3000)
    # A break somewhere inside an element, late in some chunk or early in the next.
    rng = random.Random(seed)
    index = rng.randrange(10, len(ends) - 1)
    start = ends[index - 1] + 1
    cut = data.index(b"<EarnedCredits>", start) + len("<EarnedCredits")  # "<EarnedCredits0.0<" is malformed
    broken_data = data[:cut] + data[cut + 1 :]
    (tmp_path / "t.xml").write_bytes(broken_data)
    titles, broken = _read(tmp_path / "t.xml")
    assert broken is not None and broken.reason.startswith("malformed XML")
    assert titles == [f"Course number {n} with some padding text" for n in range(index)]


def test_a_break_right_after_a_chunk_boundary(tmp_path: Path) -> None:
    data, ends = _interchange(3000)
    # The first element that ends past the first chunk: break it just after the boundary, so the
    # elements before it were all fed in the chunk before the one that holds the error.
    index = next(i for i, end in enumerate(ends) if end >= CHUNK)
    cut = max(CHUNK, ends[index - 1] + 1) + 2
    broken_data = data[:cut] + b"<<" + data[cut:]
    (tmp_path / "t.xml").write_bytes(broken_data)
    titles, broken = _read(tmp_path / "t.xml")
    assert broken is not None
    assert len(titles) == index


def test_a_file_cut_short_reads_no_element_it_did_not_close(tmp_path: Path) -> None:
    data, ends = _interchange(3000)
    cut = ends[2000] - 5  # inside the end tag of transcript 2000
    (tmp_path / "t.xml").write_bytes(data[:cut])
    titles, broken = _read(tmp_path / "t.xml")
    assert broken is not None and broken.reason.startswith("malformed XML")
    assert len(titles) == 2000


def test_a_file_cut_between_elements_reads_every_closed_one(tmp_path: Path) -> None:
    data, ends = _interchange(3000)
    (tmp_path / "t.xml").write_bytes(data[: ends[2000] + 1])  # transcript 2000 closed, the root not
    titles, broken = _read(tmp_path / "t.xml")
    assert broken is not None and "Premature end" in broken.reason
    assert len(titles) == 2001
