"""The dashboard counts rejected rows by the day the hub received them, not by the date their
submission carries: a state that sends (or re-sends) an old submission sees its rejections today,
in the chart as in the table (after `make demo`, whose school year is long past, too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.store import quality
from tests.integration.conftest import Hub
from tests.integration.submissions import student_row, submission

DATED = "2025-10-15T10:00:00Z"  # the submission's own date: over a year before the test runs


def test_rejections_are_counted_on_the_day_the_hub_received_them(hub: Hub) -> None:
    folder = submission(hub.root, "old", "TX", DATED, students=[student_row("TX-OLD", first="Dora", sex="Q")])
    hub.msix("publish", "--state", "TX", str(folder))
    now = datetime.now(UTC)
    found = quality.rejections(hub.settings.kafka, "TX", now - timedelta(days=14))
    [(day, _)] = found.by_day_and_reason
    assert day in (now.date(), (now - timedelta(minutes=5)).date())  # today (a run across midnight aside)
    [row] = found.latest
    assert row["state_student_id"] == "TX-OLD" and str(row["rejected_at"]).startswith("2025-10-15")
    assert datetime.fromisoformat(str(row["received_at"])) > now - timedelta(minutes=5)
