"""The batch store's contract: what the merge relies on, whichever adapter keeps the data. One suite,
subclassed per adapter (as eventsourcing's tests/persistence.py): the in-memory one in
tests/unit/test_batch_store_memory.py, PostgreSQL in tests/integration/test_batch_store_postgres.py.

A subclass gives a ``store`` fixture and reads back what the port has no reader for (the outbox, the
kept messages) with ``outbox`` and ``held``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from hub.domain.apply import ChildView
from hub.domain.identity import Candidate, ExactMatcher, facts_from_fields
from hub.domain.linking import IdentityChange, Links, link
from hub.domain.merge import Stored
from hub.domain.moves import Notice
from hub.domain.records import Event
from hub.errors import DatabaseRefused
from hub.identity.features import CROWDED, PER_KEY
from hub.store.batch.port import BatchStore, HeldRow, IdAllocator, OutboxRow
from tests.unit.factories import T0, T1, T2, eid, enrollment, event, student

MATCHER = ExactMatcher()
TOPIC = "state.TX.records"


class Boom(Exception):
    """A failure in the middle of a unit (not the store's)."""


def link_and_write(store: BatchStore, events: Sequence[Event]) -> Links:
    """Link the students as the merge does, and write their identities, in one unit."""
    with store.unit() as unit:
        keys = {(e.state, e.state_student_id) for e in events}
        facts = [facts_from_fields(e.state, e.state_student_id, e.fields) for e in events if e.family == "student"]
        found = unit.candidates(sorted({k for f in facts for k in MATCHER.blocking_keys(f)}))
        allocate = IdAllocator().bind(unit.draw_serials)
        links = link(events, unit.known_students(keys), found, MATCHER, allocate, T2)
        unit.write_identities(links, MATCHER, T2)
    return links


def version(e: Event) -> Stored:
    return Stored(None if e.action == "D" else dict(e.fields), e.source_ts, e.event_id)


def write(store: BatchStore, *events: Event) -> int:
    with store.unit() as unit:
        return unit.write_records({e.record_id: version(e) for e in events})


def view(store: BatchStore, msix_id: str) -> ChildView:
    with store.unit() as unit:
        return unit.snapshot_children([msix_id])[msix_id]


def notice(msix_id: str, to_state: str = "MI") -> Notice:
    start = date(2025, 10, 2)
    return Notice(eid(msix_id, to_state), msix_id, "arrival", "TX", to_state, "Holland", start, "José", "Ramírez",
                  date(2010, 3, 14), T1)  # fmt: skip


def too_long_for_an_index() -> str:
    """Random letters do not compress below PostgreSQL's B-tree entry limit (2,704 bytes)."""
    rng = random.Random(7)
    return "".join(rng.choice(string.ascii_letters) for _ in range(6000))


class BatchStoreContract:
    def outbox(self, store: Any) -> list[OutboxRow]:
        raise NotImplementedError

    def held(self, store: Any) -> list[HeldRow]:
        raise NotImplementedError

    # Claims: the idempotency of the whole merge.

    def test_an_event_claimed_twice_is_a_duplicate(self, store: BatchStore) -> None:
        a, b, c, d = (eid(n) for n in "abcd")
        with store.unit() as unit:
            assert unit.claim_events([a, b]) == set()
        with store.unit() as unit:
            assert unit.claim_events([b, c]) == {b}
        with store.unit() as unit:
            assert unit.claim_events([d, d]) == set()  # a repeat within one claim is the merge's to drop
        with store.unit() as unit:
            assert unit.claim_events([d]) == {d}

    def test_a_rolled_back_unit_keeps_nothing(self, store: BatchStore) -> None:
        kept: OutboxRow = (TOPIC, b"k1", b"v1")
        with store.unit() as unit:
            unit.claim_events([eid("a")])
            unit.enqueue([kept])
            unit.save_offsets("g", {(TOPIC, 0): 5})
        with pytest.raises(Boom), store.unit() as unit:
            unit.claim_events([eid("b")])
            allocate = IdAllocator().bind(unit.draw_serials)
            unit.write_identities(link([student("TX", "S9")], {}, {}, MATCHER, allocate, T2), MATCHER, T2)
            unit.write_records({enrollment("TX", "S9").record_id: version(enrollment("TX", "S9"))})
            unit.insert_notices([notice("C1")])
            unit.enqueue([(TOPIC, b"k2", b"v2")])
            unit.save_offsets("g", {(TOPIC, 0): 9, (TOPIC, 1): 3})
            unit.keep_held([(TOPIC, 0, 7, "TX", b"k", b"d", "parked", "unknown schema", T0)])
            raise Boom
        with store.unit() as unit:
            assert unit.claim_events([eid("b")]) == set()
            assert unit.load_offsets("g") == {(TOPIC, 0): 5}
            assert unit.known_students([("TX", "S9")]) == {}
            assert unit.insert_notices([notice("C1")]) == {notice("C1").notice_id}
        assert self.outbox(store) == [kept]
        assert self.held(store) == []

    # Offsets and the outbox commit with the unit.

    def test_offsets_only_move_forward_and_belong_to_their_group(self, store: BatchStore) -> None:
        with store.unit() as unit:
            unit.save_offsets("g", {(TOPIC, 0): 5, (TOPIC, 1): 3})
            unit.save_offsets("h", {(TOPIC, 0): 1})
        with store.unit() as unit:
            unit.save_offsets("g", {(TOPIC, 0): 4, (TOPIC, 1): 7})  # a worker late after a rebalance
        with store.unit() as unit:
            assert unit.load_offsets("g") == {(TOPIC, 0): 5, (TOPIC, 1): 7}
            assert unit.load_offsets("h") == {(TOPIC, 0): 1}
            assert unit.load_offsets("nobody") == {}

    def test_outbox_rows_are_kept_in_the_order_queued(self, store: BatchStore) -> None:
        rows: list[OutboxRow] = [(f"movenotice.{s}", s.encode(), bytes([n, 0, 255])) for n, s in enumerate("ABC")]
        with store.unit() as unit:
            unit.enqueue(rows[:2])
            unit.enqueue([])
        with store.unit() as unit:
            unit.enqueue(rows[2:])
        assert self.outbox(store) == rows

    # Identities: who a student is, and the matcher's candidates.

    def test_written_identities_are_known_and_found_by_their_blocking_keys(self, store: BatchStore) -> None:
        links = link_and_write(store, [student("TX", "T1"), enrollment("MI", "M9")])
        texas, michigan = links.by_student[("TX", "T1")], links.by_student[("MI", "M9")]
        assert texas != michigan and sorted(links.new_children) == sorted([texas, michigan])
        facts = facts_from_fields("TX", "T1", student().fields)
        with store.unit() as unit:
            assert unit.known_students([("TX", "T1"), ("MI", "M9"), ("FL", "F1")]) == {
                ("TX", "T1"): texas,
                ("MI", "M9"): michigan,
            }
            key = MATCHER.blocking_keys(facts)[0]
            assert unit.candidates([key, "no such key"]) == {key: [Candidate(texas, facts)]}
            assert unit.candidates([]) == {}

    def test_a_key_gives_at_most_per_key_identities_and_a_crowded_one_none(self, store: BatchStore) -> None:
        facts = facts_from_fields("TX", "T0", student().fields)
        key = MATCHER.blocking_keys(facts)[0]
        link_and_write(store, [student("TX", f"T{n}") for n in range(CROWDED)])
        with store.unit() as unit:
            assert len(unit.candidates([key])[key]) == PER_KEY
        link_and_write(store, [student("TX", "T-crowd")])
        with store.unit() as unit:
            assert unit.candidates([key]) == {}  # crowded: the first PER_KEY of them would be a lottery

    def test_a_key_asked_for_one_state_leaves_its_own_out_of_the_first_per_key(self, store: BatchStore) -> None:
        key = MATCHER.blocking_keys(facts_from_fields("TX", "T0", student().fields))[0]
        link_and_write(store, [student("TX", f"T{n}") for n in range(6)] + [student("MI", f"M{n}") for n in range(6)])

        def states(asking: dict[str, str] | None) -> list[str]:
            with store.unit() as unit:
                return sorted(c.facts.state for c in unit.candidates([key], asking).get(key, []))

        assert states(None) == states({key: ""}) == ["MI"] * 6 + ["TX"] * 4  # the first PER_KEY, in key order
        assert states({key: "TX"}) == ["MI"] * 6 and states({key: "MI"}) == ["TX"] * 4  # of those, the others
        link_and_write(store, [student("TX", f"T{n}") for n in range(6, 15)])  # 21 under the key
        assert states({key: "TX"}) == []  # crowded, however few of them another state's

    def test_the_stores_size_counts_the_children_its_units_committed(self, store: BatchStore) -> None:
        with store.unit() as unit:
            assert unit.stored_children() == 0
        link_and_write(store, [student("TX", f"T{n}") for n in range(7)])
        link_and_write(store, [enrollment("FL", "F1")])  # records before the identity: a child too
        with store.unit() as unit:
            assert unit.stored_children() == 8

    def test_another_state_links_to_the_child_and_new_facts_replace_the_keys(self, store: BatchStore) -> None:
        child = link_and_write(store, [student("TX", "T1")]).by_student[("TX", "T1")]
        michigan = link_and_write(store, [student("MI", "M1")])
        assert michigan.by_student[("MI", "M1")] == child and not michigan.new_children
        renamed = link_and_write(store, [student("TX", "T1", ts=T1, action="U", first_name="Pedro")])
        assert renamed.by_student[("TX", "T1")] == child and not renamed.new_children
        old = MATCHER.blocking_keys(facts_from_fields("TX", "T1", student().fields))[0]
        pedro = facts_from_fields("TX", "T1", student(first_name="Pedro").fields)
        new = MATCHER.blocking_keys(pedro)[0]
        with store.unit() as unit:
            assert [c.facts.state for c in unit.candidates([old])[old]] == ["MI"]  # Texas left the old key
            assert unit.candidates([new]) == {new: [Candidate(child, pedro)]}

    def test_a_lock_keys_version_moves_only_when_a_unit_that_locked_it_commits(self, store: BatchStore) -> None:
        with store.unit() as unit:
            assert unit.identity_versions(["L|a", "L|b"]) == {}
            assert unit.lock_identities(["L|a"]) == {"L|a": 0}
            assert unit.lock_identities([]) == {} and unit.identity_versions([]) == {}
        with pytest.raises(Boom), store.unit() as unit:
            assert unit.lock_identities(["L|b", "L|a", "L|a"]) == {"L|a": 1, "L|b": 0}
            raise Boom
        with store.unit() as unit:
            assert unit.identity_versions(["L|a", "L|b"]) == {"L|a": 1}
            assert unit.lock_identities(["L|a", "x" * 5000]) == {"L|a": 1, "x" * 5000: 0}  # any key fits
        with store.unit() as unit:
            assert unit.identity_versions(["L|a", "L|b", "x" * 5000]) == {"L|a": 2, "x" * 5000: 1}

    def test_serials_are_never_given_twice(self, store: BatchStore) -> None:
        with store.unit() as unit:
            first = unit.draw_serials(3)
        with pytest.raises(Boom), store.unit() as unit:
            lost = unit.draw_serials(3)
            raise Boom
        with store.unit() as unit:
            last = unit.draw_serials(3)
        assert len(set(first + lost + last)) == 9

    # Records: last writer wins, tombstones keep their time; the snapshot move detection reads.

    def test_last_writer_wins_by_the_states_time(self, store: BatchStore) -> None:
        child = link_and_write(store, [student()]).by_student[("TX", "S1")]
        assert write(store, enrollment(ts=T1, city="Newer")) == 0
        assert write(store, enrollment(ts=T0, city="Older")) == 1  # overtaken: arrived late
        rid = enrollment().record_id
        assert view(store, child).enrollments[rid].fields == enrollment(ts=T1, city="Newer").fields
        assert write(store, enrollment(ts=T1, action="U", city="Same time")) == 0  # equal times apply
        stored = view(store, child).enrollments[rid]
        assert (stored.fields or {})["facility_city"] == "Same time" and stored.source_ts == T1
        assert stored.event_id == enrollment(ts=T1, action="U", city="Same time").event_id

    def test_a_tombstone_keeps_its_time(self, store: BatchStore) -> None:
        child = link_and_write(store, [student()]).by_student[("TX", "S1")]
        assert write(store, enrollment(ts=T1, action="D")) == 0
        assert write(store, enrollment(ts=T0)) == 1  # an older insert stays deleted
        rid = enrollment().record_id
        assert view(store, child).enrollments[rid] == Stored(None, T1, enrollment(ts=T1, action="D").event_id)
        assert write(store, enrollment(ts=T2, city="Back")) == 0
        assert (view(store, child).enrollments[rid].fields or {})["facility_city"] == "Back"

    def test_the_snapshot_holds_a_childs_identities_enrollments_and_notices(self, store: BatchStore) -> None:
        links = link_and_write(store, [student("TX", "S1"), student("MI", "M1"), enrollment("FL", "F1")])
        child, other = links.by_student[("TX", "S1")], links.by_student[("FL", "F1")]
        assert links.by_student[("MI", "M1")] == child
        course = event("course", state="TX", ssid="S1", key="ALG1", course_id="ALG1", credits_granted=1.0)
        records = [student("TX", "S1"), student("MI", "M1"), enrollment("TX", "S1"), course, enrollment("FL", "F1")]
        write(store, *records)
        with store.unit() as unit:
            assert unit.insert_notices([notice(child)]) == {notice(child).notice_id}
        with store.unit() as unit:
            views = unit.snapshot_children([child, "000000000000"])
            assert unit.snapshot_children([]) == {}
        assert set(views) == {child, "000000000000"} and views["000000000000"] == ChildView()
        mine = views[child]
        assert mine.students == {("TX", "S1"): version(student("TX", "S1")), ("MI", "M1"): version(student("MI", "M1"))}
        assert mine.enrollments == {enrollment().record_id: version(enrollment())}  # not the course
        assert mine.notices == [notice(child)]
        assert other not in views

    def test_a_notice_is_new_once(self, store: BatchStore) -> None:
        first, second = notice("C1"), notice("C1", "WA")
        with store.unit() as unit:
            assert unit.insert_notices([first]) == {first.notice_id}
            assert unit.insert_notices([]) == set()
        with store.unit() as unit:
            assert unit.insert_notices([first, second, second]) == {second.notice_id}

    def test_a_held_message_seen_again_takes_the_new_status(self, store: BatchStore) -> None:
        with store.unit() as unit:
            unit.keep_held([(TOPIC, 0, 5, "TX", b"key", b"data", "parked", "unknown schema", T0)])
        with store.unit() as unit:
            unit.keep_held([(TOPIC, 0, 5, "TX", b"key", b"data", "rejected", "bad date", T1)])
        assert self.held(store) == [(TOPIC, 0, 5, "TX", b"key", b"data", "rejected", "bad date", T0, T1)]

    # Refusals: the value is at fault; the unit keeps nothing.

    def test_text_with_a_nul_byte_is_refused(self, store: BatchStore) -> None:
        with pytest.raises(DatabaseRefused) as refused, store.unit() as unit:
            unit.claim_events([eid("x")])
            unit.write_records({enrollment().record_id: version(enrollment(city="Wes\x00laco"))})
        assert refused.value.sqlstate == "22P05" and "Wes" not in refused.value.reason
        with store.unit() as unit:
            assert unit.claim_events([eid("x")]) == set()

    def test_a_key_too_long_to_index_is_refused(self, store: BatchStore) -> None:
        with pytest.raises(DatabaseRefused) as refused:
            link_and_write(store, [student("TX", too_long_for_an_index())])
        assert refused.value.sqlstate == "54000" and too_long_for_an_index()[:20] not in refused.value.reason
        assert refused.value.reason.startswith("refused by the database: SQLSTATE 54000 ProgramLimitExceeded")

    def test_an_identity_change_is_stored_once(self, store: BatchStore) -> None:
        change = IdentityChange(eid("change"), "created", "C1", "TX", "S1", "new child", T0)
        with store.unit() as unit:
            unit.insert_identity_changes([change])
        with pytest.raises(DatabaseRefused) as refused, store.unit() as unit:
            unit.insert_identity_changes([change])
        assert refused.value.sqlstate == "23505"
