"""The merge matches a batch before it takes the identity locks; what another worker commits in
between is looked at once the locks are held (``merge_batch._link``).

On the in-memory store units run one at a time, so the other worker's commit is played inside the
unit, right after it read its candidates: the other state's identity is written and its lock key's
version moved, as the other worker's committed unit would have left them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from structlog.testing import capture_logs

from consumers import merge_batch
from hub.domain import linking
from hub.domain.identity import Candidate, ExactMatcher, Matcher, facts_from_fields
from hub.domain.records import Event
from hub.identity.matcher import ProbabilisticMatcher
from hub.store.batch.memory import MemoryBatchStore, MemoryUnit
from hub.store.batch.port import IdAllocator
from producers.topics import Topics
from tests.unit.factories import T2, student

MATCHERS = [ExactMatcher(), ProbabilisticMatcher()]


class Meanwhile:
    """Units in which ``other`` is linked and committed by "another worker" once the unit has read
    its candidates, before it takes its locks."""

    def __init__(self, store: MemoryBatchStore, other: Event, matcher: Matcher) -> None:
        self.store, self.other, self.matcher = store, other, matcher

    @contextmanager
    def unit(self) -> Iterator[Any]:
        with self.store.unit() as unit:
            yield _Interleaved(unit, self.other, self.matcher)


class _Interleaved:
    def __init__(self, unit: MemoryUnit, other: Event, matcher: Matcher) -> None:
        self._unit, self._other, self._matcher = unit, other, matcher
        self.played = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)

    def candidates(self, blocking_keys: list[str], asking: Any = None) -> Any:
        found = self._unit.candidates(blocking_keys, asking)
        if not self.played:
            self.played = True
            links = linking.link([self._other], {}, {}, self._matcher, IdAllocator().bind(self._unit.draw_serials), T2)
            self._unit.write_identities(links, self._matcher, T2)
            facts = facts_from_fields(self._other.state, self._other.state_student_id, self._other.fields)
            self._unit.lock_identities(self._matcher.lock_keys(facts))
        return found


def run(store: Any, batch: list[Event], matcher: Matcher) -> list[Any]:
    where = [(Topics().records("TX"), 0, n) for n in range(len(batch))]
    with capture_logs() as logs:
        merge_batch.process_splitting(store, list(batch), where, "g", Topics(), matcher, IdAllocator(), T2)
    return logs


@pytest.mark.parametrize("matcher", MATCHERS, ids=["exact", "probabilistic"])
def test_a_child_linked_by_another_worker_meanwhile_is_found_once_the_lock_is_held(matcher: Matcher) -> None:
    store = MemoryBatchStore()
    logs = run(Meanwhile(store, student("MI", "M1"), matcher), [student("TX", "T1")], matcher)
    identities = store.committed.identities
    assert identities[("TX", "T1")][0] == identities[("MI", "M1")][0]
    assert len(store.committed.children) == 1
    assert [e["event"] for e in logs if e["event"].startswith("linking again")] == [
        "linking again: another worker linked a candidate meanwhile"
    ]


def test_another_child_under_the_same_lock_changes_nothing_and_is_not_matched_again() -> None:
    # The same birth date and sex: the probabilistic matcher's lock key; another child. (The exact
    # rule's lock key is its one blocking key: whoever shares it is a match.)
    store, matcher = MemoryBatchStore(), ProbabilisticMatcher()
    other = student("MI", "M1", first_name="Guadalupe", last_name_1="Torres", last_name_2="Vega", sex="F")
    logs = run(Meanwhile(store, other, matcher), [student("TX", "T1")], matcher)
    assert len(store.committed.children) == 2
    assert not [e for e in logs if e["event"].startswith("linking again")]
    assert store.committed.lock_versions == {
        key: 2 for key in matcher.lock_keys(facts_from_fields("TX", "T1", student().fields))
    }


def test_without_the_other_worker_no_second_look() -> None:
    store = MemoryBatchStore()
    matcher = ProbabilisticMatcher()
    logs = run(store, [student("MI", "M1")], matcher)
    logs += run(store, [student("TX", "T1")], matcher)
    assert len(store.committed.children) == 1
    assert not [e for e in logs if e["event"].startswith("linking again")]


def test_linking_again_keeps_the_placements_before_the_first_changed_student() -> None:
    matcher = ProbabilisticMatcher()
    florida = student("FL", "F2", first_name="Guadalupe", last_name_1="Torres", last_name_2="Vega", sex="F")
    texas = student("TX", "T1")
    serials = iter(range(1, 100))
    allocate = lambda: f"id{next(serials)}"  # noqa: E731
    first = linking.link([florida, texas], {}, {}, matcher, allocate, T2)
    assert first.by_student == {("FL", "F2"): "id1", ("TX", "T1"): "id2"}  # two new children
    # Michigan's report of the Texas child, committed meanwhile: Texas is placed again, Florida kept.
    michigan = facts_from_fields("MI", "M1", student("MI", "M1").fields)
    found = {k: [Candidate("mi-child", michigan)] for k in matcher.blocking_keys(michigan)}
    again = linking.link([florida, texas], {}, found, matcher, allocate, T2, {("FL", "F2"): first.placed[("FL", "F2")]})
    assert again.by_student == {("FL", "F2"): "id1", ("TX", "T1"): "mi-child"}
    assert again.new_children == ["id1"] and [c.kind for c in again.changes] == ["created", "linked"]


def test_a_student_placed_before_the_changed_one_keeps_its_child() -> None:
    store, matcher = MemoryBatchStore(), ProbabilisticMatcher()
    florida = student("FL", "F2", first_name="Guadalupe", last_name_1="Torres", last_name_2="Vega", sex="F")
    run(Meanwhile(store, student("MI", "M1"), matcher), [florida, student("TX", "T1")], matcher)
    identities = store.committed.identities
    assert identities[("TX", "T1")][0] == identities[("MI", "M1")][0] != identities[("FL", "F2")][0]
    assert store.committed.children == {identities[("MI", "M1")][0], identities[("FL", "F2")][0]}
