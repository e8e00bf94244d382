"""The state data manager's dashboard: its figures for one state (``hub.store.quality``) gathered for
the page and the JSON, and ``/metrics``'s state gauges, each kept for a while.

Why keep figures, and for how long: the data-quality figures read every live student and
enrollment record of the state (about half a second for a state of 100,000 records here); the
Kafka ones open a consumer, authenticate and read up to two weeks of ``state.ST.rejected``, plus
five admin round trips for the lags. Data quality moves with monthly submissions, so figures up to
``QUALITY_TTL_S`` old change nothing for a data manager; the Kafka figures are kept
``KAFKA_TTL_S``. Once a state's figures are older than that, the next request still gets them at
once and a background thread computes fresh ones (one at a time per state), so no page waits for
the heavy queries except the very first one for a state after the server starts. Every figure
carries the time it was computed, and the page shows it. The records-per-hour chart and the last
submissions are read per request: they come from small roll-ups and indexes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy import Connection, Engine

from hub import metrics
from hub.config import Settings
from hub.store import parked_outbox, quality
from producers.topics import Topics

log = structlog.get_logger(__name__)

HOURS_SHOWN = 7 * 24  # records per hour over the last seven days
REJECTION_DAYS = 14
QUALITY_TTL_S = 300.0
KAFKA_TTL_S = 30.0
METRICS_TTL_S = 30.0

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values by key, with the time each was computed. A missing value is computed by the caller
    (once per key at a time: a burst of first requests does the work once). With ``background``, a
    value older than ``ttl`` is still returned and a thread recomputes it; without, the caller
    recomputes it first."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic, background: bool = False) -> None:
        self.ttl = ttl
        self.background = background
        self._clock = clock
        self._lock = threading.Lock()  # guards the dicts; never held while computing
        self._values: dict[str, tuple[float, T]] = {}
        self._computing: dict[str, threading.Lock] = {}
        self._refreshing: set[str] = set()

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._values.get(key)
            if found is not None and self._clock() - found[0] < self.ttl:
                return found[1]
            if found is not None and self.background:
                if key not in self._refreshing:
                    self._refreshing.add(key)
                    threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
                return found[1]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:  # another caller may have computed it while this one waited
                found = self._values.get(key)
                if found is not None and self._clock() - found[0] < self.ttl:
                    return found[1]
            value = compute()
            with self._lock:
                self._values[key] = (self._clock(), value)
            return value

    def _refresh(self, key: str, compute: Callable[[], T]) -> None:
        try:
            value = compute()
            with self._lock:
                self._values[key] = (self._clock(), value)
        except Exception as exc:  # the stale value stays; the next request after the TTL tries again
            log.warning("dashboard figures not refreshed", key=key, error=str(exc))
            with self._lock:
                found = self._values.get(key)
                if found is not None:
                    self._values[key] = (self._clock() - self.ttl / 2, found[1])
        finally:
            with self._lock:
                self._refreshing.discard(key)


@dataclass(frozen=True)
class KafkaFigures:
    lag: quality.Lag | None
    rejections: quality.Rejections | None
    error: str | None
    computed_at: datetime


class Dashboards:
    """What the web app keeps for the dashboards and the metrics (``app.state.dashboards``). The
    database engine is the caller's (the app's), never a copy kept here."""

    def __init__(self, settings: Settings | None, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.quality_cache: TtlCache[quality.Quality] = TtlCache(QUALITY_TTL_S, background=True)
        self.kafka_cache: TtlCache[KafkaFigures] = TtlCache(KAFKA_TTL_S, background=True)
        self.metrics_cache: TtlCache[bytes] = TtlCache(METRICS_TTL_S)

    @property
    def topic_prefix(self) -> str:
        return self.settings.kafka.topic_prefix if self.settings is not None else ""

    def quality(self, engine: Engine, state: str) -> quality.Quality:
        def compute() -> quality.Quality:
            with engine.connect() as conn:  # its own connection: it may run in a thread
                return quality.quality(conn, state, self.clock())

        return self.quality_cache.get(state, compute)

    def kafka_figures(self, state: str) -> KafkaFigures:
        settings = self.settings
        if settings is None:
            return KafkaFigures(None, None, "this server has no Kafka settings", self.clock())

        def compute() -> KafkaFigures:
            now = self.clock()
            try:
                lag = quality.lag(settings.kafka, state)
                found = quality.rejections(settings.kafka, state, now - timedelta(days=REJECTION_DAYS))
            except Exception as exc:  # the page still shows the database's figures
                log.warning("kafka figures unavailable", state=state, error=str(exc)[:200])
                return KafkaFigures(None, None, "Kafka did not answer; its figures are missing", now)
            return KafkaFigures(lag, found, None, now)

        return self.kafka_cache.get(state, compute)

    def state_metrics(self, engine: Engine) -> bytes:
        """The state gauges' exposition text (empty without Kafka settings: a server built without
        them, like the tests' bare apps, serves only the request metrics). The data-quality gauges
        come from the same kept figures as the pages."""
        settings = self.settings
        if settings is None:
            return b""
        return self.metrics_cache.get(
            "all", lambda: metrics.render(settings, engine=engine, quality_of=lambda st: self.quality(engine, st))
        )


def figures(conn: Connection, dashboards: Dashboards, state: str, now: datetime) -> dict[str, Any]:
    """Every figure of the dashboard for ``state``, as JSON values (the page draws the same)."""
    hour0 = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS_SHOWN - 1)
    per_hour = dict(quality.records_per_hour(conn, state, hour0))
    hours = [hour0 + timedelta(hours=i) for i in range(HOURS_SHOWN)]
    q = dashboards.quality(conn.engine, state)
    subs = quality.last_submissions(conn, state)
    k = dashboards.kafka_figures(state)
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
            "skipped": k.rejections.skipped,
        }
    return {
        "state": state,
        "generated_at": now.isoformat(),
        "records_per_hour": [{"hour": h.isoformat(), "records": per_hour.get(h, 0)} for h in hours],
        "lag": lag,
        "rejections": rejections,
        "kafka_figures_at": k.computed_at.isoformat(),
        "quality": {
            "computed_at": q.computed_at.isoformat(),
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
        "outbox_parked": outbox_parked(conn, state, dashboards.topic_prefix),
    }


def outbox_parked(conn: Connection, state: str, prefix: str = "") -> dict[str, int]:
    """Messages the hub could not send and parked (``msix outbox parked``): those for the state's own
    topics, and how many in all (a count only: which states they were for is the operator's)."""
    by_topic = parked_outbox.counts_by_topic(conn)
    topics = Topics(prefix)
    own = {topics.move_notices(state), topics.rejected(state)}
    return {"state": sum(n for t, n in by_topic.items() if t in own), "all": sum(by_topic.values())}
