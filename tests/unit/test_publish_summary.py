"""The publish summary shows a state's file names as they are: never read as console markup."""

from __future__ import annotations

from connectors.items import FileSummary, SubmissionSummary
from hub.cli import pipeline_cmds


def test_a_file_name_written_as_markup_is_shown_as_it_is() -> None:
    name = "[link=https://evil.example]x[/link][bold red].xml"
    summary = SubmissionSummary("s1", [FileSummary(name, 1, 2), FileSummary("students.csv", 3, 0)])
    with pipeline_cmds.console.capture() as out:
        pipeline_cmds._print_summary("TX", summary, "rows")
    text = out.get()
    assert name in text and "students.csv" in text
    assert "TX: 4 rows published, 2 rejected" in text
