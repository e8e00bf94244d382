"""Ed-Fi files are the state's to write: a DOCTYPE (a billion laughs, an external entity, an
external DTD) refuses its file before any of it is read, the other files go on; the submission's
time may not lie in the future."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.edfi.reader import open_submission
from connectors.edfi.xmlfile import DOCTYPE_REFUSED, Broken, XmlFile
from hub.errors import SubmissionRejected
from tests.unit.edfi_helpers import AT, TX, accepted, copy, rejected

TRANSCRIPT = "Interchange-StudentTranscript.xml"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def laughs() -> str:
    decls = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "<!DOCTYPE InterchangeStudentTranscript [\n" + "\n".join(decls) + "\n]>\n"


def with_doctype(folder: Path, doctype: str, use: str) -> Path:
    """The transcript file with ``doctype`` before its root and ``use`` in its first course's grade."""
    path = folder / TRANSCRIPT
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    text = HEADER + doctype + text[len(HEADER) :]
    path.write_text(text.replace("<FinalLetterGradeEarned>", "<FinalLetterGradeEarned>" + use, 1), encoding="utf-8")
    return folder


DOCTYPES = {
    "internal-entity": ('<!DOCTYPE InterchangeStudentTranscript [ <!ENTITY g "A"> ]>\n', "&g;"),
    "billion-laughs": (laughs(), "&lol9;"),
    "bare": ("<!DOCTYPE InterchangeStudentTranscript>\n", ""),
}


@pytest.mark.parametrize("read_ahead", [False, True], ids=["in-place", "read-ahead"])
@pytest.mark.parametrize("kind", list(DOCTYPES))
def test_a_file_with_a_doctype_is_refused_and_the_others_go_on(tmp_path: Path, kind: str, read_ahead: bool) -> None:
    folder = with_doctype(copy(TX, tmp_path / "tx"), *DOCTYPES[kind])
    items = list(open_submission(folder, "TX", AT).reading_ahead(read_ahead).items())
    bad = [(r["file"], r["line"], r["reason"]) for r in rejected(items)]
    assert bad == [(TRANSCRIPT, 1, DOCTYPE_REFUSED)]
    assert accepted(items, "Course") == []  # nothing of that file
    assert len(accepted(items, "StudentIdentity")) == 2 and len(accepted(items, "Enrollment")) == 2
    assert len(accepted(items, "Assessment")) == 1


def test_the_summary_names_the_refused_file(tmp_path: Path) -> None:
    sub = open_submission(with_doctype(copy(TX, tmp_path / "tx"), *DOCTYPES["internal-entity"]), "TX", AT)
    list(sub.items())
    counts = {f.file: (f.accepted, f.rejected) for f in sub.summary.files}
    assert counts[TRANSCRIPT] == (0, 1)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe: opening it to read blocks until someone writes, so a parser that tries to read
    it hangs, and whether anyone has it open shows."""
    path = tmp_path / "secret"
    os.mkfifo(path)
    return path


def never_opened(path: Path) -> bool:
    try:  # a writer's non-blocking open fails with ENXIO while no reader has the pipe open
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return True
    os.close(fd)
    return False


EXTERNAL = {
    "general-entity": '<!DOCTYPE InterchangeStudentTranscript [ <!ENTITY leak SYSTEM "file://{path}"> ]>\n',
    "parameter-entity": '<!DOCTYPE InterchangeStudentTranscript [ <!ENTITY % ext SYSTEM "file://{path}"> %ext; ]>\n',
    "external-dtd": '<!DOCTYPE InterchangeStudentTranscript SYSTEM "file://{path}">\n',
}


@pytest.mark.parametrize("kind", list(EXTERNAL))
def test_an_external_entity_or_dtd_is_never_read(tmp_path: Path, fifo: Path, kind: str) -> None:
    folder = with_doctype(
        copy(TX, tmp_path / "tx"), EXTERNAL[kind].format(path=fifo), "&leak;" * (kind == "general-entity")
    )
    found: list[object] = []
    reading = threading.Thread(target=lambda: found.extend(open_submission(folder, "TX", AT).items()), daemon=True)
    reading.start()
    reading.join(timeout=30)
    assert not reading.is_alive(), "the reader blocked opening the external entity"
    assert never_opened(fifo)
    assert [r["reason"] for r in rejected(found) if r["file"] == TRANSCRIPT] == [DOCTYPE_REFUSED]  # type: ignore[arg-type]


def test_elements_check_the_doctype_again_if_the_file_changed_after_its_head(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    xml = XmlFile(folder / TRANSCRIPT)
    assert not isinstance(xml.head(), Broken)
    with_doctype(folder, *DOCTYPES["internal-entity"])
    found = list(xml.elements(frozenset({"CourseTranscript"})))
    assert found == [Broken(1, 0, DOCTYPE_REFUSED)]


NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


def test_a_submission_time_in_the_future_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SubmissionRejected, match=r"--submitted-at \(2999-01-01T00:00:00\+00:00\) is in the future"):
        open_submission(TX, "TX", datetime(2999, 1, 1, tzinfo=UTC), NOW)
    assert open_submission(TX, "TX", NOW + timedelta(minutes=4), NOW).where.submitted_at == NOW + timedelta(minutes=4)


def test_a_file_time_in_the_future_is_refused(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    later = (NOW + timedelta(days=1)).timestamp()
    os.utime(folder / TRANSCRIPT, (later, later))
    with pytest.raises(SubmissionRejected, match=r"the newest file's time .* is in the future.*give --submitted-at"):
        open_submission(folder, "TX", None, NOW)


def test_a_submission_time_that_overflows_in_utc_is_refused() -> None:
    at = datetime.fromisoformat("9999-12-31T23:59:59-05:00")
    with pytest.raises(SubmissionRejected, match="out of range"):
        open_submission(TX, "TX", at, NOW)
