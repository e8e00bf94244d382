"""manifest.json: parsing, the submission fingerprint, and the checks against the folder's files."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.mde.manifest import DATA_FILES, check_counts, check_files, read_manifest
from connectors.mde.writer import write_submission
from hub.errors import SubmissionRejected, UserInputError

STUDENT = {
    "action": "I",
    "state_student_id": "S1",
    "first_name": "Ana",
    "last_name_1": "Ruiz",
    "birth_date": "2012-01-02",
    "sex": "F",
}
BASE: dict[str, Any] = {
    "state": "TX",
    "submitted_at": "2025-09-02T10:00:00Z",
    "source_system": "TX MSIX extract",
    "counts": {"students.csv": 1},
}


def folder_with(tmp_path: Path, manifest: Any, files: dict[str, str] | None = None) -> Path:
    for name, text in (files if files is not None else {"students.csv": "action,state_student_id\nI,S1\n"}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    return tmp_path


def rejected(folder: Path, state: str = "TX") -> str:
    with pytest.raises(SubmissionRejected) as info:
        manifest = read_manifest(folder, state)
        check_counts(folder, manifest, check_files(folder, manifest))
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, UserInputError)  # the CLI prints one line and exits 2
    return message


def test_good_manifest(tmp_path: Path) -> None:
    m = read_manifest(folder_with(tmp_path, BASE), "TX")
    assert m.state == "TX"
    assert m.submitted_at == datetime(2025, 9, 2, 10, tzinfo=UTC)
    assert m.source_system == "TX MSIX extract"
    assert m.counts == {"students.csv": 1}
    assert re.fullmatch("[0-9a-f]{32}", m.submission_id)
    assert check_files(tmp_path, m) == ["students.csv"]
    check_counts(tmp_path, m, ["students.csv"])


def test_state_given_in_lower_case_matches(tmp_path: Path) -> None:
    assert read_manifest(folder_with(tmp_path, BASE), " tx ").state == "TX"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2025-09-02T10:00:00Z", datetime(2025, 9, 2, 10, tzinfo=UTC)),
        ("2025-09-02T05:00:00-05:00", datetime(2025, 9, 2, 10, tzinfo=UTC)),
        ("2025-09-02T10:00:00", datetime(2025, 9, 2, 10, tzinfo=UTC)),  # no zone: UTC
        ("2025-09-02T10:00:00.123456+00:00", datetime(2025, 9, 2, 10, 0, 0, 123000, tzinfo=UTC)),
        ("2025-09-02", datetime(2025, 9, 2, tzinfo=UTC)),
    ],
)
def test_submitted_at_is_utc_to_the_millisecond(tmp_path: Path, given: str, expected: datetime) -> None:
    m = read_manifest(folder_with(tmp_path, {**BASE, "submitted_at": given}), "TX")
    assert m.submitted_at == expected
    assert m.submitted_at.utcoffset() is not None and m.submitted_at.tzinfo == UTC


def test_submission_id_is_the_same_however_the_json_is_laid_out(tmp_path: Path) -> None:
    def submission_id(name: str, manifest: Any) -> str:
        (tmp_path / name).mkdir()
        return read_manifest(folder_with(tmp_path / name, manifest), "TX").submission_id

    one = submission_id("a", BASE)
    assert submission_id("b", json.dumps(dict(reversed(list(BASE.items()))), indent=4)) == one
    assert submission_id("c", {**BASE, "submitted_at": "2025-09-03T10:00:00Z"}) != one


BAD_MANIFESTS: list[tuple[Any, str]] = [
    ("{not json", "manifest.json: not valid JSON"),
    ("", "manifest.json: not valid JSON"),
    ("[1, 2]", "manifest.json: expected a JSON object"),
    ({**BASE, "state": "ZZ"}, "manifest.json: state 'ZZ' is not a USPS state code"),
    ({**BASE, "state": "tx"}, "manifest.json: state 'tx' is not a USPS state code"),
    ({k: v for k, v in BASE.items() if k != "state"}, "manifest.json: state None is not a USPS state code"),
    ({**BASE, "state": "CA"}, "manifest.json: state 'CA' does not match --state TX"),
    ({**BASE, "submitted_at": "yesterday"}, "submitted_at 'yesterday' is not an ISO-8601 timestamp"),
    ({**BASE, "submitted_at": 1756807200}, "submitted_at 1756807200 is not an ISO-8601 timestamp"),
    ({**BASE, "source_system": ""}, "manifest.json: source_system must be a non-empty string"),
    ({**BASE, "counts": [1]}, "manifest.json: counts must be an object"),
    ({**BASE, "counts": {"students.csv": 1, "pupils.csv": 3}}, "counts names unknown file 'pupils.csv'"),
    ({**BASE, "counts": {"students.csv": -1}}, "count for students.csv must be a whole number, not -1"),
    ({**BASE, "counts": {"students.csv": "1"}}, "count for students.csv must be a whole number, not '1'"),
    ({**BASE, "counts": {"students.csv": True}}, "count for students.csv must be a whole number"),
    ({**BASE, "counts": {"students.csv": 2}}, "students.csv: manifest.json counts 2 rows but the file has 1"),
    ({**BASE, "counts": {"students.csv": 0}}, "students.csv: manifest.json counts 0 rows but the file has 1"),
    (
        {**BASE, "counts": {"students.csv": 1, "courses.csv": 0}},
        "manifest.json counts courses.csv but there is no such file",
    ),
]


@pytest.mark.parametrize(("manifest", "message"), BAD_MANIFESTS, ids=[m for _, m in BAD_MANIFESTS])
def test_bad_manifest(tmp_path: Path, manifest: Any, message: str) -> None:
    assert message in rejected(folder_with(tmp_path, manifest))


def test_no_manifest(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text("action,state_student_id\n")
    assert rejected(tmp_path) == f"no manifest.json in {tmp_path}"


def test_manifest_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_bytes(b'{"state": "T\xff"}')
    assert rejected(tmp_path) == "manifest.json: not UTF-8"


def test_file_present_but_not_counted(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, BASE, {"students.csv": "action,state_student_id\nI,S1\n", "courses.csv": "action\n"})
    assert rejected(folder) == "courses.csv is not in the counts of manifest.json"


def test_unknown_csv_file_is_refused_other_files_ignored(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, BASE, {"students.csv": "a\nb\n", "README.txt": "hello", ".DS_Store": "x"})
    m = read_manifest(folder, "TX")
    assert check_files(folder, m) == ["students.csv"]
    (folder / "student.csv").write_text("action\n")
    assert "unknown file 'student.csv'" in rejected(folder)


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("action,state_student_id\n", 0),
        ("action,state_student_id\nI,S1\nI,S2\n", 2),
        ("action,state_student_id\nI,S1\nI,S2", 2),  # no final newline
        ("action,state_student_id\r\nI,S1\r\nI,S2\r\n", 2),
        ('action,comment\nI,"two\nlines"\nI,"three\n\nlines"\n', 2),  # quoted line breaks stay in a row
        ("action,state_student_id\n\nI,S1\n\n,\n  ,  \nI,S2\n\n", 2),  # blank rows are not rows
        ("\ufeffaction,state_student_id\nI,S1\n", 1),  # a byte-order mark
    ],
)
def test_counts_are_rows_not_lines(tmp_path: Path, text: str, rows: int) -> None:
    folder = folder_with(tmp_path, {**BASE, "counts": {"students.csv": rows}}, {"students.csv": text})
    m = read_manifest(folder, "TX")
    check_counts(folder, m, check_files(folder, m))


def test_counting_reports_bad_utf8_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_bytes(b"action,first_name\nI,Jos\xc3\xa9\nI,Jos\xe9\n")
    folder = folder_with(tmp_path, {**BASE, "counts": {"students.csv": 2}}, {})
    assert rejected(folder) == "students.csv line 3: not UTF-8 (byte 0xe9 at column 6)"


def test_writer_writes_a_manifest_that_checks(tmp_path: Path) -> None:
    rows = ({**STUDENT, "state_student_id": f"S{i}", "first_name": "Zoë\nline"} for i in range(5))
    written = write_submission(
        tmp_path,
        "TX",
        datetime(2025, 9, 2, 10, tzinfo=UTC),
        "generator",
        {"students.csv": rows, "courses.csv": []},
    )
    assert written["counts"] == {"students.csv": 5, "courses.csv": 0}
    m = read_manifest(tmp_path, "TX")
    assert m.submitted_at == datetime(2025, 9, 2, 10, tzinfo=UTC)
    files = check_files(tmp_path, m)
    assert files == ["students.csv", "courses.csv"]
    check_counts(tmp_path, m, files)
    assert (tmp_path / "courses.csv").read_text().startswith("action,state_student_id,course_id,school_year")
    assert DATA_FILES[0] == "students.csv"
