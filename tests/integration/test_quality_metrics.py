"""The state dashboard's figures and their Prometheus metrics match the data they were made from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from prometheus_client.parser import text_string_to_metric_families

from hub import metrics
from hub.store import db, quality
from tests.integration.conftest import Hub
from tests.integration.submissions import enrollment_row, student_row, submission

NOW = datetime(2025, 12, 1, 12, tzinfo=UTC)


def load(hub: Hub) -> None:
    folder = submission(
        hub.root,
        "tx",
        "TX",
        "2025-11-28T10:00:00Z",
        students=[
            student_row("TX-1", first="Ana", birth="2012-05-01", birth_city="Pharr", move_to_state="MI"),
            student_row("TX-2", first="Beto", birth="2000-01-01"),  # 25: too old
            student_row("TX-3", first="Carla", birth="2023-06-01"),  # 2: too young
            student_row("TX-4", first="Dora", sex="Q"),  # rejected
        ],
        enrollments=[
            enrollment_row("TX-1", "E1", "2025-03-01"),  # open for nine months
            enrollment_row("TX-3", "E3", "2025-09-01", end="2025-10-01"),
        ],
    )
    hub.msix("publish", "--state", "TX", str(folder))
    hub.msix("worker", "--until-idle")


def samples(hub: Hub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render(hub.settings, clock=lambda: NOW).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_quality_figures_and_metrics_match_the_data(hub: Hub) -> None:
    load(hub)
    with db.engine(hub.settings.database).connect() as conn:
        q = quality.quality(conn, "TX", NOW)
        hours = quality.records_per_hour(conn, "TX", datetime.now(UTC) - timedelta(hours=1))
        subs = quality.last_submissions(conn, "TX")
    assert (q.students, q.enrollments) == (3, 2)
    assert q.ages_outside_range == 2
    assert q.children_without_current_enrollment == 2  # TX-2 never enrolled, TX-3 withdrew
    assert q.enrollments_open_too_long == 1
    assert q.completeness["student.birth_city"] == 1 / 3
    assert q.completeness["student.birth_date"] == 1.0
    assert q.last_submission_at == datetime(2025, 11, 28, 10, tzinfo=UTC) and not q.stale
    assert sum(n for _, n in hours) == 5
    assert [(s.submitted_at, s.records) for s in subs] == [
        (datetime(2025, 11, 28, 10, tzinfo=UTC), {"enrollment": 2, "student": 3})
    ]
    found = quality.rejections(hub.settings.kafka, "TX", NOW - timedelta(days=7))
    assert sum(found.by_day_and_reason.values()) == 1
    assert [r["state_student_id"] for r in found.latest] == ["TX-4"]

    m = samples(hub)
    tx = (("state", "TX"),)
    assert m[("msix_state_records", (("family", "student"), *tx))] == 3
    assert m[("msix_state_ages_outside_range", tx)] == 2
    assert m[("msix_state_children_without_current_enrollment", tx)] == 2
    assert m[("msix_state_enrollments_open_too_long", tx)] == 1
    assert m[("msix_state_completeness_ratio", (("element", "student.birth_city"), *tx))] == 1 / 3
    assert m[("msix_state_last_submission_timestamp_seconds", tx)] == q.last_submission_at.timestamp()
    assert m[("msix_state_consumer_lag", (("consumer", "hub"), *tx, ("topic", "records")))] == 0
    reasons = {labels: v for (name, labels), v in m.items() if name == "msix_state_rejections_last_7d"}
    assert sum(reasons.values()) == 1 and all(dict(labels)["state"] == "TX" for labels in reasons)


def test_the_destination_states_lag_counts_unread_notices(hub: Hub) -> None:
    load(hub)  # one departure notice for MI
    assert quality.lag(hub.settings.kafka, "MI").state_on_notices == 1
    hub.msix("notices", "follow", "--state", "MI", "--until-idle")
    assert quality.lag(hub.settings.kafka, "MI").state_on_notices == 0


def test_the_worker_folds_finished_hours_of_the_records_received_roll_up(hub: Hub) -> None:
    rows = [  # (state, family, hours ago, records): a batch's row each
        *[("TX", "student", 3, n) for n in (5, 7, 11)],
        *[("TX", "enrollment", 3, n) for n in (2, 3)],
        ("CA", "student", 3, 4),  # alone in its hour: nothing to fold
        *[("TX", "student", 0, n) for n in (1, 1)],  # this hour: batches may still append to it
    ]
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        conn.execute(
            "CREATE TEMP VIEW counts AS SELECT state, family, hour, count(*) AS n, sum(records) AS records "
            "FROM records_received GROUP BY 1, 2, 3"
        )
        for state, family, ago, n in rows:
            conn.execute(
                "INSERT INTO records_received VALUES (%s, %s, date_trunc('hour', now()) - %s * interval '1 hour', %s)",
                (state, family, ago, n),
            )
        conn.commit()
        hub.msix("worker", "--until-idle")  # folds at its start
        hub.msix("worker", "--until-idle")  # again: nothing left to fold
        found = conn.execute(
            "SELECT state, family, extract(epoch FROM date_trunc('hour', now()) - hour)::int / 3600, n, records "
            "FROM counts ORDER BY 1, 2, 3"
        ).fetchall()
    assert found == [
        ("CA", "student", 3, 1, 4),
        ("TX", "enrollment", 3, 1, 5),
        ("TX", "student", 0, 2, 2),
        ("TX", "student", 3, 1, 23),
    ]
