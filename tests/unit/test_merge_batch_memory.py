"""Whole batches through ``merge_batch`` on the in-memory store: events in; identities, records,
notices, outbox rows and offsets out; no database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import schemas
from consumers import merge_batch
from consumers.decoding import DeadLetter
from hub.domain.identity import ExactMatcher
from hub.domain.records import Event
from hub.identity.matcher import ProbabilisticMatcher
from hub.store.batch.memory import MemoryBatchStore, MemoryUnit
from hub.store.batch.port import IdAllocator
from producers.topics import Topics
from tests.store_contract import too_long_for_an_index
from tests.unit.factories import T0, T2, enrollment, student

TOPICS = Topics()
NOW = T2


def texas_then_michigan() -> list[Event | DeadLetter]:
    """A child enrolled in Texas, then in Michigan with Texas's enrollment left open: an arrival."""
    return [
        student("TX", "T1"),
        enrollment("TX", "T1", "E1", date(2025, 8, 20)),
        student("MI", "M1"),
        enrollment("MI", "M1", "E9", date(2025, 10, 2), city="Holland"),
    ]


def positions(items: list[Any], state: str = "TX") -> list[merge_batch.Position]:
    return [(TOPICS.records(state), n % 2, n // 2) for n in range(len(items))]  # two partitions, interleaved


def run(store: MemoryBatchStore, items: list[Event | DeadLetter]) -> merge_batch.BatchResult:
    where = positions(items)
    return merge_batch.process_splitting(store, items, where, "g", TOPICS, ExactMatcher(), IdAllocator(), NOW)


def sent(store: MemoryBatchStore) -> list[tuple[str, str, dict[str, Any]]]:
    """The outbox, decoded: (topic, schema name, value)."""
    return [(topic, *schemas.decode(value)) for topic, _, value in store.committed.outbox]


def test_a_batch_links_merges_and_notifies_the_move() -> None:
    store = MemoryBatchStore()
    result = run(store, texas_then_michigan())
    assert (result.events, result.duplicates, result.new_children, result.notices) == (4, 0, 1, 1)
    tables = store.committed
    child = tables.identities[("TX", "T1")][0]
    assert tables.identities[("MI", "M1")][0] == child and tables.children == {child}
    assert len(tables.records) == 4 and len(tables.processed) == 4
    assert tables.offsets == {("g", TOPICS.records("TX"), 0): 2, ("g", TOPICS.records("TX"), 1): 2}
    messages = sent(store)
    assert [(t, name) for t, name, _ in messages] == [
        (TOPICS.move_notices("MI"), "MoveNotice"),
        (TOPICS.identity, "IdentityEvent"),
        (TOPICS.identity, "IdentityEvent"),
    ]
    move = messages[0][2]
    assert (move["kind"], move["from_state"], move["to_state"], move["msix_id"]) == ("arrival", "TX", "MI", child)
    assert [m[2]["kind"] for m in messages[1:]] == ["created", "linked"]


def test_the_same_batch_again_changes_nothing() -> None:
    store = MemoryBatchStore()
    run(store, texas_then_michigan())
    before = store.committed.copy()
    again = run(store, texas_then_michigan())
    assert (again.events, again.duplicates, again.notices, again.new_children) == (0, 4, 0, 0)
    assert store.committed.outbox == before.outbox and store.committed.records == before.records


def test_a_later_batch_finds_the_child_and_its_move_is_not_notified_twice() -> None:
    store = MemoryBatchStore()
    run(store, texas_then_michigan()[:2])
    later = run(store, [*texas_then_michigan()[2:], enrollment("MI", "M1", "E9", date(2025, 10, 2), ts=T2)])
    assert (later.events, later.new_children, later.notices) == (3, 0, 1)
    assert len({msix for msix, _ in store.committed.identities.values()}) == 1
    assert len(store.committed.notices) == 1


def test_refused_events_become_dead_letters_and_the_rest_lands() -> None:
    store = MemoryBatchStore()
    items: list[Event | DeadLetter] = [student("TX", f"S{i}", first_name=f"Ana{i}") for i in range(8)]
    items[2] = student("TX", too_long_for_an_index())
    items[5] = student("TX", "S5", birth_city="Weslaco\x00")  # no PostgreSQL text holds a NUL byte
    result = run(store, items)
    assert (result.events, result.refused, result.dead_letters) == (6, 2, 2)
    assert len(store.committed.identities) == 6
    assert store.committed.offsets == {("g", TOPICS.records("TX"), 0): 4, ("g", TOPICS.records("TX"), 1): 4}
    letters = [value for topic, name, value in sent(store) if name == "RejectedRecord"]
    assert [(v["source_partition"], v["source_offset"]) for v in letters] == [(0, 1), (1, 2)]
    assert [v["reason"].split()[5] for v in letters] == ["54000", "22P05"]
    assert all("Weslaco" not in v["reason"] and too_long_for_an_index()[:20] not in v["reason"] for v in letters)
    assert sorted(store.committed.held) == [(TOPICS.records("TX"), 0, 1), (TOPICS.records("TX"), 1, 2)]


def test_a_stale_event_counts_and_changes_nothing() -> None:
    store = MemoryBatchStore()
    run(store, [enrollment(ts=T2, city="Newer")])
    stale = run(store, [enrollment(ts=T0, action="U", city="Older")])
    assert (stale.events, stale.stale) == (1, 1)
    assert (store.committed.records[enrollment().record_id].fields or {})["facility_city"] == "Newer"


class _Holding(MemoryBatchStore):
    """A store whose units say they hold ``children`` children (a million, without making them)."""

    def __init__(self, children: int) -> None:
        super().__init__()
        self.children = children

    @contextmanager
    def unit(self) -> Iterator[MemoryUnit]:
        with super().unit() as unit:
            unit.stored_children = lambda: self.children  # type: ignore[method-assign]
            yield unit


def test_the_batch_is_matched_with_thresholds_for_the_stores_size() -> None:
    # The first name, one surname, the birth date and sex (21.4 bits): one child in a small store; in
    # one of a million, one of the namesakes a data admin must tell apart (18 bits to link there).
    texas, michigan = student("TX", "T1"), student("MI", "M1", last_name_2="Soto")
    outcomes = []
    for children in (1_000, 1_000_000):
        store = _Holding(children)
        matcher = ProbabilisticMatcher()
        for batch in ([texas], [michigan]):
            merge_batch.process_splitting(store, batch, positions(batch), "g", TOPICS, matcher, IdAllocator(), NOW)
        t = store.committed
        outcomes.append((t.identities[("MI", "M1")][0] == t.identities[("TX", "T1")][0], bool(t.worklist)))
    assert outcomes == [(True, False), (False, True)]
    (item,) = store.committed.worklist.values()
    assert "(14 + 4 for the store's size)" in item.reasons[0]
