"""The state dashboard's figures as Prometheus metrics, labelled by state, computed at each scrape.

``metrics_app(settings)`` is an ASGI app the web application can mount at ``/metrics``;
``render(settings)`` gives the exposition text. ``infra/grafana/msix-states.json`` charts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, generate_latest, make_asgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine

from hub import requests
from hub.config import Settings
from hub.store import db, deadline_counts, parked_outbox, quality, receipts
from producers.admin import admin_client

log = structlog.get_logger(__name__)

REJECTION_WINDOW = timedelta(days=7)
MAX_REASONS = 20  # kinds of rejection reason labelled per state; the rest are summed as OTHER_REASONS
OTHER_REASONS = "other"


class StateCollector(Collector):
    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        quality_of: Callable[[str], quality.Quality] | None = None,
    ) -> None:
        """``quality_of``: a state's data-quality figures, e.g. the web app's kept ones
        (``hub.api.dashboard``); computed at each scrape without it."""
        self._settings = settings
        self._engine = engine or db.engine(settings.database)
        self._clock = clock
        self._quality_of = quality_of

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        now = self._clock()
        g = _Gauges()
        applied = CounterMetricFamily(
            "msix_state_records_applied", "Records the hub applied (each change counts)", labels=["state", "family"]
        )
        with self._engine.connect() as conn:
            states = quality.states_with_records(conn)
            for (state, family), n in sorted(quality.records_applied(conn).items()):
                applied.add_metric([state, family], n)
            for st in states:
                q = self._quality_of(st) if self._quality_of else quality.quality(conn, st, now)
                for family, count in sorted(q.records.items()):
                    g.set("records", "Live records in the consolidated store", count, state=st, family=family)
                for element, share in q.completeness.items():
                    g.set("completeness_ratio", "Share of live records reporting a key element", share, state=st,
                          element=element)  # fmt: skip
                g.set("enrollments_open_too_long", "Open enrollments older than 180 days", q.enrollments_open_too_long,
                      state=st)  # fmt: skip
                g.set("children_without_current_enrollment", "Students with no open enrollment from the state",
                      q.children_without_current_enrollment, state=st)  # fmt: skip
                g.set("ages_outside_range", "Students whose birth date puts them outside ages 3-21",
                      q.ages_outside_range, state=st)  # fmt: skip
                if q.last_submission_at is not None:
                    g.set("last_submission_timestamp_seconds", "submitted_at of the latest submission",
                          q.last_submission_at.timestamp(), state=st)  # fmt: skip
                overdue = receipts.notice_status(
                    conn, st, timedelta(hours=self._settings.notices.ack_due_hours), now, only_overdue=True
                )
                g.set("notices_overdue", "Move notices to the state not acknowledged in time", len(overdue), state=st)
            _outbox(g, conn)
            _requests(g, conn, now)
            _corrections(g, conn, now)
            _notices_owed(g, conn, now)
        self._kafka_figures(g, states, now)
        yield from g.families.values()
        yield applied

    def _kafka_figures(self, g: _Gauges, states: list[str], now: datetime) -> None:
        admin = admin_client(self._settings.kafka)
        for st in states:
            try:
                lag = quality.lag(self._settings.kafka, st, admin)
                found = quality.rejections(self._settings.kafka, st, now - REJECTION_WINDOW)
            except Exception as exc:  # metrics degrade, the scrape still answers for every other state
                log.warning("kafka figures unavailable", state=st, error=str(exc)[:200])
                continue
            g.set("consumer_lag", "Messages not yet consumed", lag.hub_on_records, state=st, consumer="hub",
                  topic="records")  # fmt: skip
            g.set("consumer_lag", "Messages not yet consumed", lag.state_on_notices, state=st, consumer="state",
                  topic="movenotice")  # fmt: skip
            for reason, n in top_reasons(found.by_day_and_reason).items():
                g.set("rejections_last_7d", "Rows rejected in the last 7 days, by kind of reason", n, state=st,
                      reason=reason)  # fmt: skip
            g.set("rejected_topic_skipped_7d", "Messages on the state's rejected topic that are no rejection of "
                  "its rows (undecodable, another schema or state)", found.skipped, state=st)  # fmt: skip


def top_reasons(by_day_and_reason: Mapping[tuple[date, str], int]) -> dict[str, int]:
    """Rows by kind of reason, the ``MAX_REASONS`` largest and the rest as ``other``: a state writes
    its own rejected topic, and must not be able to grow /metrics by a label per message."""
    per_reason: Counter[str] = Counter()
    for (_, reason), n in by_day_and_reason.items():
        per_reason[reason] += n
    top = dict(per_reason.most_common(MAX_REASONS))
    rest = sum(per_reason.values()) - sum(top.values())
    return top | ({OTHER_REASONS: rest} if rest else {})


def _outbox(g: _Gauges, conn: Connection) -> None:
    parked = parked_outbox.counts_by_topic(conn)
    g.set("parked", "Outbox rows Kafka refused for good, parked (msix outbox parked)", sum(parked.values()),
          prefix="msix_outbox_")  # fmt: skip


def _requests(g: _Gauges, conn: Connection, now: datetime) -> None:
    for st, c in requests.counts(conn, now).items():
        for standing, n in (("open", c.open), ("due_soon", c.due_soon), ("overdue", c.overdue)):
            g.set("requests", "Data requests to the state not yet answered: all, due within a working day, overdue "
                  "(escalated to its data manager)", n, state=st, standing=standing)  # fmt: skip


def _corrections(g: _Gauges, conn: Connection, now: datetime) -> None:
    for st, c in deadline_counts.correction_counts(conn, now).items():
        for standing, n in (("open", c.open), ("due_soon", c.due_soon), ("overdue", c.overdue)):
            g.set("corrections", "Parts of parents' correction requests the state has not decided: all, due "
                  "within a working day, overdue", n, state=st, standing=standing)  # fmt: skip


def _notices_owed(g: _Gauges, conn: Connection, now: datetime) -> None:
    """By the ``change_of_residence`` time frame and the state's calendar, beside ``notices_overdue``
    (hours since the notice, MSIX_NOTICE_ACK_DUE_HOURS), which stays as it was."""
    for st, c in deadline_counts.notice_counts(conn, now).items():
        for standing, n in (("open", c.open), ("due_soon", c.due_soon), ("overdue", c.overdue)):
            g.set("notices_owed", "Move notices to the state it has not acknowledged: all, due within a working "
                  "day, overdue (change_of_residence time frame)", n, state=st, standing=standing)  # fmt: skip


class _Gauges:
    def __init__(self) -> None:
        self.families: dict[str, GaugeMetricFamily] = {}

    def set(self, name: str, doc: str, value: float, prefix: str = "msix_state_", **labels: str) -> None:
        full = prefix + name
        family = self.families.get(full)
        if family is None:
            family = self.families[full] = GaugeMetricFamily(full, doc, labels=list(labels))
        family.add_metric(list(labels.values()), value)


def registry(settings: Settings, **kwargs: Any) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StateCollector(settings, **kwargs))
    return reg


def render(settings: Settings, **kwargs: Any) -> bytes:
    return generate_latest(registry(settings, **kwargs))


def metrics_app(settings: Settings) -> Any:
    """An ASGI app serving the metrics (mount it at ``/metrics``)."""
    return make_asgi_app(registry(settings))
