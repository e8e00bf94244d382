"""The state data manager's dashboard: its figures for one state (``hub.store.quality``) gathered for
the page and the JSON, and ``/metrics``'s state gauges, each kept for a short while.

Why cache: the database figures are cheap enough to compute per page, but the Kafka ones are not
(reading ``state.ST.rejected`` opens a consumer, authenticates and reads up to two weeks of rows;
the lags take five admin round trips), and the Prometheus collector computes every figure of every
state. Prometheus scrapes every 15-60 s and a dashboard is reloaded by people; figures up to
``ttl`` seconds old change nothing for either, while computing them per request would make each
scrape or reload cost seconds of SQL and Kafka work under load.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from confluent_kafka import KafkaException
from sqlalchemy import Connection, Engine, text

from hub import metrics
from hub.config import Settings
from hub.store import quality

log = structlog.get_logger(__name__)

HOURS_SHOWN = 7 * 24  # records per hour over the last seven days
REJECTION_DAYS = 14
KAFKA_TTL_S = 30.0
METRICS_TTL_S = 30.0

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values by key, recomputed once they are older than ``ttl`` seconds; one computation at a time
    per cache, so a burst of requests does the work once."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, T]] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._values.get(key)
            if found is not None and self._clock() - found[0] < self.ttl:
                return found[1]
            value = compute()
            self._values[key] = (self._clock(), value)
            return value


@dataclass(frozen=True)
class KafkaFigures:
    lag: quality.Lag | None
    rejections: quality.Rejections | None
    error: str | None


class Dashboards:
    """What the web app keeps for the dashboards and the metrics (``app.state.dashboards``)."""

    def __init__(self, settings: Settings | None, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.kafka_cache: TtlCache[KafkaFigures] = TtlCache(KAFKA_TTL_S)
        self.metrics_cache: TtlCache[bytes] = TtlCache(METRICS_TTL_S)

    def kafka_figures(self, state: str, now: datetime) -> KafkaFigures:
        settings = self.settings
        if settings is None:
            return KafkaFigures(None, None, "this server has no Kafka settings")

        def compute() -> KafkaFigures:
            try:
                lag = quality.lag(settings.kafka, state)
                found = quality.rejections(settings.kafka, state, now - timedelta(days=REJECTION_DAYS))
            except KafkaException as exc:  # the page still shows the database's figures
                log.warning("kafka figures unavailable", state=state, error=str(exc))
                return KafkaFigures(None, None, "Kafka did not answer; its figures are missing")
            return KafkaFigures(lag, found, None)

        return self.kafka_cache.get(state, compute)

    def state_metrics(self) -> bytes:
        """The state gauges' exposition text (empty without Kafka settings: a server built without
        them, like the tests' bare apps, serves only the request metrics)."""
        settings = self.settings
        if settings is None:
            return b""
        return self.metrics_cache.get("all", lambda: metrics.render(settings, engine=self.engine))


def states_with_records(conn: Connection) -> list[str]:
    """Distinct states by skipping through the primary key's index (a loose index scan): a plain
    DISTINCT would read every row."""
    rows = conn.execute(
        text(
            "WITH RECURSIVE s(state) AS ((SELECT state FROM record ORDER BY state LIMIT 1) UNION ALL "
            "SELECT (SELECT r.state FROM record r WHERE r.state > s.state ORDER BY r.state LIMIT 1) "
            "FROM s WHERE s.state IS NOT NULL) SELECT state FROM s WHERE state IS NOT NULL"
        )
    )
    return [row[0] for row in rows]


def figures(conn: Connection, dashboards: Dashboards, state: str, now: datetime) -> dict[str, Any]:
    """Every figure of the dashboard for ``state``, as JSON values (the page draws the same)."""
    hour0 = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS_SHOWN - 1)
    per_hour = dict(quality.records_per_hour(conn, state, hour0))
    hours = [hour0 + timedelta(hours=i) for i in range(HOURS_SHOWN)]
    q = quality.quality(conn, state, now)
    subs = quality.last_submissions(conn, state)
    k = dashboards.kafka_figures(state, now)
    lag = None
    if k.lag is not None:
        lag = {"hub_on_records": k.lag.hub_on_records, "state_on_notices": k.lag.state_on_notices}
    rejections = None
    if k.rejections is not None:
        rejections = {
            "since": (now - timedelta(days=REJECTION_DAYS)).date().isoformat(),
            "by_day": [
                {"day": day.isoformat(), "reason": reason, "rows": n}
                for (day, reason), n in sorted(k.rejections.by_day_and_reason.items())
            ],
            "latest": k.rejections.latest,
        }
    return {
        "state": state,
        "generated_at": now.isoformat(),
        "records_per_hour": [{"hour": h.isoformat(), "records": per_hour.get(h, 0)} for h in hours],
        "lag": lag,
        "rejections": rejections,
        "quality": {
            "students": q.students,
            "enrollments": q.enrollments,
            "completeness": q.completeness,
            "enrollments_open_too_long": q.enrollments_open_too_long,
            "children_without_current_enrollment": q.children_without_current_enrollment,
            "ages_outside_range": q.ages_outside_range,
            "last_submission_at": q.last_submission_at.isoformat() if q.last_submission_at else None,
            "stale": q.stale,
        },
        "last_submissions": [
            {"submitted_at": s.submitted_at.isoformat(), "records": s.records, "total": sum(s.records.values())}
            for s in subs
        ],
        "kafka_error": k.error,
    }
