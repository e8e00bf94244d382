"""Reading a whole submission: up-front refusals, items in order, records, rejections, streaming."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.mde.reader import Accepted, Rejected, Submission, open_submission
from connectors.mde.writer import write_submission
from hub.errors import SubmissionRejected

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
AT = datetime(2025, 9, 2, 10, tzinfo=UTC)
FAMILIES = {
    "StudentIdentity": "student_identity.avsc",
    "Enrollment": "enrollment.avsc",
    "Course": "course.avsc",
    "Assessment": "assessment.avsc",
    "RejectedRecord": "rejected_record.avsc",
}


def avro_fields(family: str) -> list[str]:
    return [f["name"] for f in json.loads((SCHEMAS / FAMILIES[family]).read_text())["fields"]]


def student(i: int = 1, **over: str) -> dict[str, str]:
    row = {
        "action": "I",
        "state_student_id": f"S{i}",
        "first_name": "José",
        "last_name_1": "Núñez",
        "birth_date": "2012-03-04",
        "sex": "M",
    }
    return {**row, **over}


def enrollment(i: int = 1, **over: str) -> dict[str, str]:
    return {
        "action": "I",
        "state_student_id": f"S{i}",
        "enrollment_id": f"E{i}",
        "enrollment_date": "2025-08-20",
        **over,
    }


def course(i: int = 1, **over: str) -> dict[str, str]:
    row = {
        "action": "I",
        "state_student_id": f"S{i}",
        "course_id": f"C{i}",
        "school_year": "2025-2026",
        "course_title": "Algebra I",
        "credits_granted": "0.5",
    }
    return {**row, **over}


def assessment(i: int = 1, **over: str) -> dict[str, str]:
    row = {
        "action": "I",
        "state_student_id": f"S{i}",
        "assessment_id": f"A{i}",
        "administration_date": "2025-04",
    }
    return {**row, **over}


def write(folder: Path, rows: Mapping[str, Iterable[dict[str, str]]], at: datetime = AT, state: str = "TX") -> Path:
    write_submission(folder, state, at, "tests", rows)
    return folder


def full(folder: Path, **kw: Any) -> Path:
    # Written in an order other than the publishing order on purpose.
    return write(
        folder,
        {
            "assessments.csv": [assessment(1), assessment(2)],
            "courses.csv": [course(1)],
            "enrollments.csv": [enrollment(1), enrollment(2)],
            "students.csv": [student(1), student(2)],
        },
        **kw,
    )


def refusal(folder: Path, state: str = "TX") -> str:
    with pytest.raises(SubmissionRejected) as info:
        open_submission(folder, state)
    assert "\n" not in str(info.value)
    return str(info.value)


# --- accepted records ------------------------------------------------------------------------------


def test_items_come_students_first_then_enrollments_courses_assessments(tmp_path: Path) -> None:
    items = list(open_submission(full(tmp_path), "TX").items())
    assert all(isinstance(i, Accepted) for i in items)
    families = [i.family for i in items if isinstance(i, Accepted)]
    assert families == ["StudentIdentity"] * 2 + ["Enrollment"] * 2 + ["Course"] + ["Assessment"] * 2


def test_accepted_records_are_full_avro_records(tmp_path: Path) -> None:
    sub = open_submission(full(tmp_path), "TX")
    items = [i for i in sub.items() if isinstance(i, Accepted)]
    for item in items:
        assert list(item.record) == avro_fields(item.family) or set(item.record) == set(avro_fields(item.family))
        assert item.key == item.record["state_student_id"]
        assert item.record["state"] == "TX"
        assert item.record["source_ts"] == AT
        assert item.record["submission_id"] == sub.manifest.submission_id
        assert re.fullmatch("[0-9a-f]{32}", item.record["event_id"])
    first = items[0].record
    assert first["first_name"] == "José" and first["birth_date"] == date(2012, 3, 4)
    assert first["middle_name"] is None and first["action"] == "I"
    assert items[4].record["credits_granted"] == Decimal("0.500")
    assert len({i.record["event_id"] for i in items}) == len(items)


def test_records_encode_with_fastavro(tmp_path: Path) -> None:
    import io

    import fastavro

    parsed = {f: fastavro.parse_schema(json.loads((SCHEMAS / n).read_text())) for f, n in FAMILIES.items()}
    folder = full(tmp_path)
    with (folder / "students.csv").open("a", encoding="utf-8") as fh:
        fh.write("I,S3,Ana,Ruiz,2030-01-01,F\n")  # rejected: born after the submission
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["counts"]["students.csv"] = 3
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for item in open_submission(folder, "TX").items():
        family = item.family if isinstance(item, Accepted) else "RejectedRecord"
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed[family], item.record)
        buf.seek(0)
        assert fastavro.schemaless_reader(buf, parsed[family], parsed[family]) == item.record


def test_delete_rows_with_only_keys(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        {
            "students.csv": [{"action": "D", "state_student_id": "S1"}],
            "courses.csv": [{"action": "D", "state_student_id": "S1", "course_id": "C9"}],
        },
    )
    items = list(open_submission(folder, "TX").items())
    assert [type(i) for i in items] == [Accepted, Accepted]
    assert isinstance(items[1], Accepted)
    assert items[1].record["course_id"] == "C9" and items[1].record["school_year"] is None


# --- event ids -------------------------------------------------------------------------------------


def event_ids(sub: Submission) -> list[str]:
    return [i.record["event_id"] for i in sub.items() if isinstance(i, Accepted)]


def test_event_ids_are_the_same_on_every_read(tmp_path: Path) -> None:
    folder = full(tmp_path)
    sub = open_submission(folder, "TX")
    assert event_ids(sub) == event_ids(sub) == event_ids(open_submission(folder, "TX"))


def test_event_ids_depend_on_content_not_on_line_or_layout(tmp_path: Path) -> None:
    a = event_ids(open_submission(full(tmp_path / "a"), "TX"))
    # The same rows with blank lines, reordered columns and an extra empty column: same ids.
    b_dir = tmp_path / "b"
    b_dir.mkdir()
    (b_dir / "students.csv").write_text(
        "\n\nsex,birth_date,last_name_1,first_name,state_student_id,action,suffix\n"
        "M,2012-03-04,Núñez,José,S1,I,\n\n"
        " M , 2012-03-04 ,Núñez,José,S2,I,\n",
        encoding="utf-8",
    )
    (b_dir / "manifest.json").write_text(
        json.dumps(
            {
                "state": "TX",
                "submitted_at": AT.isoformat(),
                "source_system": "x",
                "counts": {"students.csv": 2},
            }
        )
    )
    b = event_ids(open_submission(b_dir, "TX"))
    assert b == a[:2]
    # Another submission time, another state's folder or a changed cell: other ids.
    later = event_ids(open_submission(full(tmp_path / "c", at=datetime(2025, 9, 3, tzinfo=UTC)), "TX"))
    assert not set(later) & set(a)
    other_state = event_ids(open_submission(full(tmp_path / "d", state="CA"), "CA"))
    assert not set(other_state) & set(a)
    changed = write(tmp_path / "e", {"students.csv": [student(1, first_name="Josè"), student(2)]})
    assert event_ids(open_submission(changed, "TX")) == [event_ids(open_submission(changed, "TX"))[0], a[1]]
    assert event_ids(open_submission(changed, "TX"))[0] != a[0]


# --- rejected rows ---------------------------------------------------------------------------------


def test_rejected_rows_carry_file_line_column_and_reason(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        {
            "students.csv": [student(1), student(2, sex="Q"), student(3)],
            "enrollments.csv": [enrollment(1, withdrawal_date="2025-01-01"), enrollment(2)],
        },
    )
    sub = open_submission(folder, "TX")
    items = list(sub.items())
    assert [type(i).__name__ for i in items] == ["Accepted", "Rejected", "Accepted", "Rejected", "Accepted"]
    bad_sex, bad_dates = items[1], items[3]
    assert isinstance(bad_sex, Rejected) and isinstance(bad_dates, Rejected)
    assert bad_sex.key == "S2"
    assert bad_sex.record == {
        "rejection_id": bad_sex.record["rejection_id"],
        "state": "TX",
        "state_student_id": "S2",
        "stage": "connector",
        "submission_id": sub.manifest.submission_id,
        "file": "students.csv",
        "line": 3,
        "column": "sex",
        "reason": "sex 'Q' is not one of F, M, X",
        "record_family": "StudentIdentity",
        "source_topic": None,
        "source_partition": None,
        "source_offset": None,
        "rejected_at": AT,
    }
    assert set(bad_sex.record) == set(avro_fields("RejectedRecord"))
    assert re.fullmatch("[0-9a-f]{32}", bad_sex.record["rejection_id"])
    assert (bad_dates.record["file"], bad_dates.record["line"], bad_dates.record["column"]) == (
        "enrollments.csv",
        2,
        "withdrawal_date",
    )
    assert bad_dates.record["record_family"] == "Enrollment"
    again = [i.record["rejection_id"] for i in open_submission(folder, "TX").items() if isinstance(i, Rejected)]
    assert again == [bad_sex.record["rejection_id"], bad_dates.record["rejection_id"]]
    summary = sub.summary
    assert [(f.file, f.accepted, f.rejected) for f in summary.files] == [
        ("students.csv", 2, 1),
        ("enrollments.csv", 1, 1),
    ]
    assert (summary.accepted, summary.rejected, summary.submission_id) == (3, 2, sub.manifest.submission_id)


def test_line_numbers_count_physical_lines_of_quoted_cells(tmp_path: Path) -> None:
    (tmp_path / "enrollments.csv").write_text(
        "action,state_student_id,enrollment_id,enrollment_date,comment\r\n"  # line 1
        'I,S1,E1,2025-08-20,"moved\r\nwith the family\r\n"\r\n'  # lines 2-4
        "\r\n"  # line 5, blank
        "I,S2,E2,2025-02-30,\r\n"  # line 6: bad date
        'I,S3,E3,2025-08-20,"one\nline more"\n'  # lines 7-8
        "I,,E4,2025-08-20,\n",  # line 9: no state_student_id
        encoding="utf-8",
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "state": "TX",
                "submitted_at": AT.isoformat(),
                "source_system": "x",
                "counts": {"enrollments.csv": 4},
            }
        )
    )
    items = list(open_submission(tmp_path, "TX").items())
    assert isinstance(items[0], Accepted)
    assert items[0].record["comment"] == "moved\r\nwith the family"
    rejected = [(i.record["line"], i.record["column"], i.key) for i in items if isinstance(i, Rejected)]
    assert rejected == [(6, "enrollment_date", "S2"), (9, "state_student_id", None)]


def test_a_row_with_the_wrong_number_of_cells_is_rejected_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "assessments.csv").write_text(
        "action,state_student_id,assessment_id,administration_date\nI,S1,A1\nI,S2,A2,2025-04\n"
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "state": "TX",
                "submitted_at": AT.isoformat(),
                "source_system": "x",
                "counts": {"assessments.csv": 2},
            }
        )
    )
    first, second = open_submission(tmp_path, "TX").items()
    assert isinstance(first, Rejected) and isinstance(second, Accepted)
    assert first.key == "S1"
    assert (first.record["line"], first.record["column"]) == (2, None)
    assert first.record["reason"] == "row has 3 cells but the header has 4"


# --- whole-submission refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "header", "message"),
    [
        ("courses.csv", "action,state_student_id,course_id,foo", "courses.csv: unknown column 'foo'"),
        (
            "courses.csv",
            "action,state_student_id,course_id,Course_Title",
            "courses.csv: unknown column 'Course_Title'",
        ),
        ("students.csv", "state_student_id,first_name", "students.csv: no 'action' column"),
        ("students.csv", "action,first_name", "students.csv: no 'state_student_id' column"),
        ("enrollments.csv", "action,state_student_id", "enrollments.csv: no 'enrollment_id' column"),
        ("students.csv", "action,state_student_id,sex,sex", "students.csv: column 'sex' appears twice"),
        ("students.csv", "action,state_student_id, ", "students.csv: column 3 of the header has no name"),
    ],
)
def test_bad_header(tmp_path: Path, file: str, header: str, message: str) -> None:
    (tmp_path / file).write_text(header + "\n")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"state": "TX", "submitted_at": AT.isoformat(), "source_system": "x", "counts": {file: 0}})
    )
    assert refusal(tmp_path) == message


def test_header_names_are_stripped(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text("\ufeff action , state_student_id \nD,S1\n", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "state": "TX",
                "submitted_at": AT.isoformat(),
                "source_system": "x",
                "counts": {"students.csv": 1},
            }
        )
    )
    assert [type(i) for i in open_submission(tmp_path, "TX").items()] == [Accepted]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "students.csv: empty file, expected a header row"),
        (
            b"action,state_student_id\nI,S1\nD,S\xff2\n",
            "students.csv line 3: not UTF-8 (byte 0xff at column 4)",
        ),
        (b'action,state_student_id\nD,"S1\nD,S2\n', "students.csv line 2: malformed CSV"),
        (b'action,state_student_id\nD,"S1"x\n', "students.csv line 2: malformed CSV"),
    ],
)
def test_unreadable_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "students.csv").write_bytes(content)
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "state": "TX",
                "submitted_at": AT.isoformat(),
                "source_system": "x",
                "counts": {"students.csv": 1},
            }
        )
    )
    assert refusal(tmp_path).startswith(message)


def test_count_mismatch(tmp_path: Path) -> None:
    folder = full(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["counts"]["courses.csv"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert refusal(folder) == "courses.csv: manifest.json counts 2 rows but the file has 1"


def test_nothing_to_publish(tmp_path: Path) -> None:
    write(tmp_path, {"students.csv": [], "courses.csv": []})
    assert refusal(tmp_path) == f"nothing to publish: no data rows in {tmp_path}"
    (tmp_path / "students.csv").unlink()
    (tmp_path / "courses.csv").unlink()
    write(tmp_path, {})
    assert refusal(tmp_path).startswith("nothing to publish")


def test_other_refusals(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nope") == f"no such folder: {tmp_path / 'nope'}"
    assert refusal(tmp_path) == f"no manifest.json in {tmp_path}"
    full(tmp_path)
    assert refusal(tmp_path, "CA") == "manifest.json: state 'TX' does not match --state CA"


# --- streaming -------------------------------------------------------------------------------------


def test_bytes_read_grows_to_total_bytes(tmp_path: Path) -> None:
    sub = open_submission(write(tmp_path, {"students.csv": [student(i) for i in range(500)]}), "TX")
    assert sub.total_bytes == (tmp_path / "students.csv").stat().st_size
    assert sub.bytes_read == 0
    seen = [sub.bytes_read for _ in sub.items()]
    assert seen == sorted(seen) and 0 < seen[0] < seen[-1] <= sub.total_bytes
    assert sub.bytes_read == sub.total_bytes


def many_assessments(n: int) -> Iterator[dict[str, str]]:
    for i in range(n):
        yield assessment(i, title="State test of English language proficiency", content="ELP", type="04")


def test_a_large_file_is_read_with_flat_memory(tmp_path: Path) -> None:
    rows = 100_000
    write(tmp_path, {"assessments.csv": many_assessments(rows)})
    size = (tmp_path / "assessments.csv").stat().st_size
    tracemalloc.start()
    try:
        sub = open_submission(tmp_path, "TX")
        accepted = sum(1 for item in sub.items() if isinstance(item, Accepted))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert accepted == rows
    assert size > 7_000_000
    assert peak < 1_000_000, f"peak {peak:,} bytes while reading {size:,}"
