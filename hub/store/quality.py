"""The figures of a state data manager's dashboard, for one state: what arrived, what was rejected,
how good the state's data is, and how far behind the hub and the state's subscriber are.

Database figures are queries over the consolidated store; the rejections and the lags come from
Kafka (the rejections live only in ``state.ST.rejected``; the lags are offsets). ``hub.metrics``
exposes the same figures to Prometheus, labelled by state.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import confluent_kafka
import structlog
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient, OffsetSpec
from sqlalchemy import Connection, text

from hub.config import KafkaSettings
from hub.domain import state_messages
from producers.admin import admin_client
from producers.client_config import client_config
from producers.topics import Topics

log = structlog.get_logger(__name__)

# What a state should report about each child and each enrollment: the elements MSIX matches
# children on and that a receiving school needs first.
KEY_STUDENT_FIELDS = ("first_name", "last_name_1", "birth_date", "sex", "birth_city", "birth_country", "qad")
KEY_ENROLLMENT_FIELDS = ("enrollment_date", "school_name", "nces_school_id", "grade_level")
OPEN_TOO_LONG = timedelta(days=180)  # "enrollments left open for months"
STALE_AFTER = timedelta(days=35)  # states submit monthly
MIN_AGE, MAX_AGE = 3, 21  # the Migrant Education Program serves ages 3 to 21


@dataclass(frozen=True)
class Quality:
    state: str
    students: int
    enrollments: int
    completeness: dict[str, float]  # "student.birth_date" -> share of live records with a value
    enrollments_open_too_long: int
    children_without_current_enrollment: int
    ages_outside_range: int
    last_submission_at: datetime | None
    stale: bool
    records: dict[str, int]  # live records by family
    computed_at: datetime


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def quality(conn: Connection, state: str, now: datetime) -> Quality:
    today = now.date()
    student_cols = ", ".join(
        f"count(*) FILTER (WHERE coalesce(fields->>'{f}', '') <> '') AS {f}" for f in KEY_STUDENT_FIELDS
    )
    s = conn.execute(
        text(
            f"SELECT count(*) AS n, {student_cols}, "
            "count(*) FILTER (WHERE fields->>'birth_date' > :youngest OR fields->>'birth_date' <= :oldest) AS ages "
            "FROM record WHERE state = :state AND family = 'student' AND fields IS NOT NULL"
        ),
        {
            "state": state,
            # Younger than 3 today: born after this day; 22 or older: born on or before this one.
            "youngest": _years_before(today, MIN_AGE).isoformat(),
            "oldest": _years_before(today, MAX_AGE + 1).isoformat(),
        },
    ).one()
    enrollment_cols = ", ".join(
        f"count(*) FILTER (WHERE coalesce(fields->>'{f}', '') <> '') AS {f}" for f in KEY_ENROLLMENT_FIELDS
    )
    e = conn.execute(
        text(
            f"SELECT count(*) AS n, {enrollment_cols}, "
            "count(*) FILTER (WHERE fields->>'withdrawal_date' IS NULL AND fields->>'enrollment_date' < :cutoff) "
            "AS open_long FROM record WHERE state = :state AND family = 'enrollment' AND fields IS NOT NULL"
        ),
        {"state": state, "cutoff": (today - OPEN_TOO_LONG).isoformat()},
    ).one()
    without = conn.execute(
        text(
            "SELECT count(*) FROM record s WHERE s.state = :state AND s.family = 'student' "
            "AND s.fields IS NOT NULL AND NOT EXISTS (SELECT 1 FROM record e WHERE e.state = s.state "
            "AND e.state_student_id = s.state_student_id AND e.family = 'enrollment' "
            "AND e.fields IS NOT NULL AND e.fields->>'withdrawal_date' IS NULL)"
        ),
        {"state": state},
    ).scalar_one()
    last = conn.execute(text("SELECT max(source_ts) FROM record WHERE state = :state"), {"state": state}).scalar_one()
    records = conn.execute(
        text("SELECT family, count(*) FROM record WHERE state = :state AND fields IS NOT NULL GROUP BY family"),
        {"state": state},
    ).all()
    completeness = {f"student.{f}": (getattr(s, f) / s.n if s.n else 1.0) for f in KEY_STUDENT_FIELDS}
    completeness |= {f"enrollment.{f}": (getattr(e, f) / e.n if e.n else 1.0) for f in KEY_ENROLLMENT_FIELDS}
    return Quality(
        state=state,
        students=s.n,
        enrollments=e.n,
        completeness=completeness,
        enrollments_open_too_long=e.open_long,
        children_without_current_enrollment=without,
        ages_outside_range=s.ages,
        last_submission_at=last,
        stale=last is None or now - last > STALE_AFTER,
        records={family: n for family, n in records},
        computed_at=now,
    )


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


def records_applied(conn: Connection) -> dict[tuple[str, str], int]:
    """Records the hub applied since the roll-up began, by (state, family): a Prometheus counter."""
    rows = conn.execute(text("SELECT state, family, sum(records)::bigint FROM records_received GROUP BY 1, 2"))
    return {(state, family): n for state, family, n in rows}


def records_per_hour(conn: Connection, state: str, since: datetime) -> list[tuple[datetime, int]]:
    """Records the hub applied in each hour since ``since`` (a record changed twice counts twice),
    from the worker's roll-up ``records_received``; records from before it (migration 0006) count
    once, in the hour of their latest change."""
    rows = conn.execute(
        text(
            "SELECT hour, sum(records)::bigint FROM records_received "
            "WHERE state = :state AND hour >= date_trunc('hour', CAST(:since AS timestamptz)) "
            "GROUP BY hour ORDER BY hour"
        ),
        {"state": state, "since": since},
    ).all()
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class Submission:
    submitted_at: datetime
    records: dict[str, int]  # family -> live records from it


def last_submissions(conn: Connection, state: str, limit: int = 10) -> list[Submission]:
    """The state's latest submissions (a submission's rows share its manifest's ``submitted_at``),
    with the records each still supplies by family."""
    rows = conn.execute(
        text(
            # The distinct submission times newest first by skipping down the (state, source_ts)
            # index (a loose index scan): DISTINCT would read every record of the state.
            "WITH RECURSIVE ts(t) AS ((SELECT source_ts FROM record WHERE state = :state "
            "ORDER BY source_ts DESC LIMIT 1) UNION ALL SELECT (SELECT r.source_ts FROM record r "
            "WHERE r.state = :state AND r.source_ts < ts.t ORDER BY r.source_ts DESC LIMIT 1) FROM ts "
            "WHERE ts.t IS NOT NULL), latest AS (SELECT t AS source_ts FROM ts WHERE t IS NOT NULL LIMIT :limit) "
            "SELECT r.source_ts, r.family, count(*) FROM record r JOIN latest USING (source_ts) "
            "WHERE r.state = :state GROUP BY r.source_ts, r.family ORDER BY r.source_ts DESC, r.family"
        ),
        {"state": state, "limit": limit},
    ).all()
    found: dict[datetime, dict[str, int]] = {}
    for ts, family, count in rows:
        found.setdefault(ts, {})[family] = count
    return [Submission(ts, families) for ts, families in found.items()]


@dataclass
class Rejections:
    by_day_and_reason: Counter[tuple[date, str]] = field(default_factory=Counter)
    latest: list[dict[str, object]] = field(default_factory=list)  # newest received first, ids and reasons only
    skipped: int = 0  # messages on the topic that are not a rejection of this state's rows


def reason_kind(reason: str) -> str:
    """A reason without the rejected value: "birth_date '2010-02-30' is not a real date" and the same
    for another date are one kind."""
    return re.sub(r"'[^']*'", "…", reason)


def rejections(kafka: KafkaSettings, state: str, since: datetime, latest: int = 10) -> Rejections:
    """What was rejected from the state since ``since``, by day and kind of reason, read from
    ``state.ST.rejected`` starting at the first offset at or after ``since``."""
    topic = Topics(kafka.topic_prefix).rejected(state)
    consumer = confluent_kafka.Consumer(
        client_config(kafka) | {"group.id": "unused", "enable.auto.commit": False, "enable.partition.eof": True}
    )
    out = Rejections()
    try:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            return out
        wanted = [confluent_kafka.TopicPartition(topic, p, int(since.timestamp() * 1000)) for p in meta.partitions]
        starts = consumer.offsets_for_times(wanted, timeout=10)
        ends = {
            p: consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, p), timeout=10)[1]
            for p in meta.partitions
        }
        todo = [tp for tp in starts if tp.offset >= 0 and tp.offset < ends[tp.partition]]
        if not todo:
            return out
        consumer.assign(todo)
        remaining = {tp.partition for tp in todo}
        newest: list[dict[str, object]] = []
        while remaining:
            msg = consumer.poll(5.0)
            if msg is None:
                break
            if msg.error() is not None:
                if msg.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:  # type: ignore[union-attr]
                    remaining.discard(msg.partition() or 0)
                continue
            try:
                value = state_messages.rejection(msg.value(), state)
            except state_messages.BadMessage as exc:
                # A state may write anything to its own rejected topic: skipped and counted, never
                # raised, so its garbage takes no other figure (or state) down with it.
                out.skipped += 1
                log.warning("rejection skipped", topic=topic, partition=msg.partition(), offset=msg.offset(),
                            reason=str(exc))  # fmt: skip
                continue
            at: datetime = value["rejected_at"]
            # By the day the hub received it (the message's time, which also chose the window): a
            # connector dates its rejections by the submission's own date, which may be long past.
            received = _received_at(msg, at)
            out.by_day_and_reason[(received.date(), reason_kind(value["reason"]))] += 1
            newest.append(
                {k: value.get(k) for k in ("rejection_id", "state_student_id", "file", "line", "column", "reason")}
                | {"rejected_at": at.isoformat(), "received_at": received.isoformat()}
            )
        newest.sort(key=lambda r: str(r["received_at"]), reverse=True)
        out.latest = newest[:latest]
    finally:
        consumer.close()
    return out


def _received_at(msg: confluent_kafka.Message, fallback: datetime) -> datetime:
    kind, millis = msg.timestamp()
    if kind == confluent_kafka.TIMESTAMP_NOT_AVAILABLE:
        return fallback
    return datetime.fromtimestamp(millis / 1000, UTC)


@dataclass(frozen=True)
class Lag:
    hub_on_records: int  # messages in state.ST.records the hub's merge group has not committed
    state_on_notices: int  # notices in movenotice.ST the state's subscriber has not committed


def lag(kafka: KafkaSettings, state: str, admin: AdminClient | None = None) -> Lag:
    topics = Topics(kafka.topic_prefix)
    admin = admin or admin_client(kafka)
    hub = _group_lag(admin, topics.hub_group_prefix + "merge", topics.records(state))
    follower = _group_lag(admin, topics.state_group_prefix(state) + "follow", topics.move_notices(state))
    return Lag(hub, follower)


def _group_lag(admin: AdminClient, group: str, topic: str) -> int:
    meta = admin.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or meta.error is not None:
        return 0
    parts = [confluent_kafka.TopicPartition(topic, p) for p in meta.partitions]
    ends = {
        tp.partition: f.result().offset
        for tp, f in admin.list_offsets({tp: OffsetSpec.latest() for tp in parts}).items()
    }
    starts = {
        tp.partition: f.result().offset
        for tp, f in admin.list_offsets({tp: OffsetSpec.earliest() for tp in parts}).items()
    }
    request = [ConsumerGroupTopicPartitions(group, parts)]
    committed = admin.list_consumer_group_offsets(request, request_timeout=10)[group].result()
    at = {tp.partition: tp.offset for tp in committed.topic_partitions or []}
    # A partition the group never committed is behind by everything still kept.
    return sum(ends[p] - max(at.get(p, -1), starts[p]) for p in ends)


def _offsets(admin: AdminClient, parts: list[confluent_kafka.TopicPartition], spec: OffsetSpec) -> dict[int, int]:
    return {tp.partition: f.result().offset for tp, f in admin.list_offsets({tp: spec for tp in parts}).items()}
