"""Every event and every notice of a fault run accounted for, from outside the worker.

What was sent is read back from the records topics (every copy, by event id); what was applied is
the store's ``processed_event``; what was notified is read back from the ``movenotice.ST`` topics
with a consumer (by notice id), as a destination state would see it, and compared with the
notices the store made (``move_notice``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import confluent_kafka
import psycopg

import schemas
from hub.config import Settings
from producers.admin import admin_client
from producers.client_config import client_config
from producers.topics import Topics


@dataclass(frozen=True)
class Accounts:
    events_sent: int
    """Distinct event ids on the records topics."""
    messages: int
    """Copies on the records topics (a publish retried after a broker died could add some)."""
    records_in_store: int
    events_lost: int
    """Sent, never applied."""
    events_applied_twice: int
    """Applied in the workers' batch lines more often than the store holds distinct events."""
    store_digest: str
    """The record table's content (keys and the event each version came from), for comparing runs."""
    notices_made: int
    notices_lost: int
    """Made by the store, never read from ``movenotice.*``."""
    notices_doubled: int
    """Extra copies read from ``movenotice.*``, all with the same notice id as the first."""
    outbox_left: int
    parked: int


def account(settings: Settings, worker_logs: Iterable[Path]) -> Accounts:
    sent = event_copies(settings)
    notices = notice_copies(settings)
    store = _store(settings)
    applied_logged = sum(applied_in_log(log) for log in worker_logs)
    sent_ids = {_uuid(e) for e in sent}
    return Accounts(
        events_sent=len(sent),
        messages=sum(sent.values()),
        records_in_store=store["records"],
        events_lost=len(sent_ids - store["processed"]),
        events_applied_twice=max(0, applied_logged - len(store["processed"])),
        store_digest=store["digest"],
        notices_made=len(store["notices"]),
        notices_lost=len(store["notices"] - set(notices)),
        notices_doubled=sum(n - 1 for n in notices.values()),
        outbox_left=store["outbox"],
        parked=store["parked"],
    )


def event_copies(settings: Settings) -> Counter[str]:
    """Copies of each event id on every state's records topic."""
    topics = Topics(settings.kafka.topic_prefix)
    return Counter(_read(settings, _matching(settings, topics.records_pattern), "event_id"))


def notice_copies(settings: Settings) -> Counter[str]:
    """Copies of each notice id on every ``movenotice.ST`` topic, as the destination states read them."""
    topics = Topics(settings.kafka.topic_prefix)
    return Counter(_read(settings, _matching(settings, _notices_pattern(topics)), "notice_id"))


def _uuid(event_id: str) -> uuid.UUID:
    return uuid.UUID(event_id)


def _notices_pattern(topics: Topics) -> str:
    return "^" + re.escape(topics.move_notices("")) + "[A-Z]{2}$"


def _matching(settings: Settings, pattern: str) -> list[str]:
    admin = admin_client(settings.kafka)
    names = admin.list_topics(timeout=30).topics
    matcher = re.compile(pattern)
    return sorted(name for name in names if matcher.match(name))


def _read(settings: Settings, topic_names: list[str], field: str) -> Iterator[str]:
    """``field`` of every message of ``topic_names``, read outside any group (assigned from the
    beginning to each partition's end: no rebalance, no committed offset)."""
    consumer = confluent_kafka.Consumer(
        client_config(settings.kafka) | {"group.id": "fault-audit", "enable.auto.commit": False}
    )
    try:
        ends = _ends(consumer, topic_names)
        consumer.assign([confluent_kafka.TopicPartition(t, p, confluent_kafka.OFFSET_BEGINNING) for t, p in ends])
        left = {tp for tp, end in ends.items() if end > 0}
        while left:
            msg = consumer.poll(5.0)
            if msg is None or msg.error() is not None:
                continue
            tp = (msg.topic() or "", msg.partition() or 0)
            if (msg.offset() or 0) + 1 >= ends[tp]:
                left.discard(tp)
            _, record = schemas.decode(msg.value() or b"")
            yield str(record[field])
    finally:
        consumer.close()


def _ends(consumer: confluent_kafka.Consumer, topic_names: list[str]) -> dict[tuple[str, int], int]:
    meta = consumer.list_topics(timeout=30).topics
    ends: dict[tuple[str, int], int] = {}
    for name in topic_names:
        for partition in meta[name].partitions:
            low, high = consumer.get_watermark_offsets(confluent_kafka.TopicPartition(name, partition), timeout=30)
            ends[(name, partition)] = high if high > low else 0
    return ends


def _store(settings: Settings) -> dict[str, Any]:
    with psycopg.connect(settings.database.libpq_url) as conn:
        processed = {row[0] for row in conn.execute("SELECT event_id FROM processed_event")}
        notices = {row[0] for row in conn.execute("SELECT notice_id FROM move_notice")}
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM record), (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox_parked)"
        ).fetchone()
        digest = conn.execute(
            "SELECT md5(coalesce(string_agg(concat_ws('|', state, state_student_id, family, record_key, event_id),"
            " ',' ORDER BY state, state_student_id, family, record_key), '')) FROM record"
        ).fetchone()
    assert counts is not None and digest is not None
    return {
        "processed": processed,
        "notices": notices,
        "records": counts[0],
        "outbox": counts[1],
        "parked": counts[2],
        "digest": digest[0],
    }


def applied_in_log(log: Path) -> int:
    """Events the worker's batch lines say it applied (JSON lines; others are skipped)."""
    total = 0
    for line in log.read_text(errors="replace").splitlines():
        if '"batch applied"' not in line:
            continue
        try:
            total += int(json.loads(line).get("applied", 0))
        except (ValueError, AttributeError):
            continue
    return total
