"""Linking and applying a batch, the way the worker does, with the store's answers given in memory."""

from datetime import date
from itertools import count

from hub.domain.apply import ChildView, apply
from hub.domain.identity import Candidate, ExactMatcher, facts_from_fields
from hub.domain.linking import link
from tests.unit.factories import T0, T1, enrollment, event, student


def allocator():
    serial = count(1)
    return lambda: f"ID{next(serial):03d}"


def test_same_state_and_id_is_always_the_same_child():
    events = [student(), enrollment(), student(ts=T1, action="U")]
    links = link(events, {}, {}, ExactMatcher(), allocator(), T0)
    assert links.by_student == {("TX", "S1"): "ID001"}
    assert links.new_children == ["ID001"]
    assert [c.kind for c in links.changes] == ["created"]


def test_known_student_keeps_its_child():
    links = link([enrollment()], {("TX", "S1"): "OLD"}, {}, ExactMatcher(), allocator(), T0)
    assert links.by_student[("TX", "S1")] == "OLD" and not links.new_children and not links.changes


def test_exact_match_across_states_links_and_twin_does_not():
    texas = facts_from_fields("TX", "T1", student().fields)
    found = {ExactMatcher().blocking_keys(texas)[0]: [Candidate("CHILD", texas)]}
    events = [
        student("MI", "M1", first_name="Jose", last_name_1="Ramirez"),
        student("MI", "M2", first_name="Jesús", multiple_birth="Y"),
    ]
    links = link(events, {}, found, ExactMatcher(), allocator(), T0)
    assert links.by_student[("MI", "M1")] == "CHILD"
    assert links.by_student[("MI", "M2")] == "ID001"
    assert [c.kind for c in links.changes] == ["linked", "created"]


def test_two_states_in_one_batch_link_to_each_other():
    events = [student("TX", "T1"), student("MI", "M1")]
    links = link(events, {}, {}, ExactMatcher(), allocator(), T0)
    assert links.by_student[("TX", "T1")] == links.by_student[("MI", "M1")] == "ID001"


def test_records_before_identity_get_a_provisional_child():
    links = link([enrollment("FL", "F1")], {}, {}, ExactMatcher(), allocator(), T0)
    assert links.by_student[("FL", "F1")] == "ID001"
    assert "before the student's identity" in links.changes[0].reason


def test_apply_merges_and_finds_an_arrival():
    events = [
        student("TX", "T1"),
        enrollment("TX", "T1", "E1", date(2025, 8, 20)),
        student("MI", "M1"),
        enrollment("MI", "M1", "E9", date(2025, 10, 2), city="Holland"),
    ]
    links = link(events, {}, {}, ExactMatcher(), allocator(), T0)
    applied = apply(events, links.by_student, {}, {}, T1)
    assert len(applied.records) == 4
    assert [(n.from_state, n.to_state, n.first_name) for n in applied.notices] == [("TX", "MI", "José")]


def test_apply_twice_is_stable_and_stale_events_count():
    events = [enrollment(ts=T1), enrollment(ts=T0, action="U", city="Older")]
    links = {("TX", "S1"): "C"}
    records: dict = {}
    applied = apply(events, links, records, {}, T1)
    assert applied.stale == 1
    assert records[("TX", "S1", "enrollment", "E1")].fields["facility_city"] == "Weslaco"


def test_existing_notice_suppresses_repeat():
    events = [
        enrollment("TX", "T1", "E1", date(2025, 8, 20)),
        enrollment("MI", "M1", "E9", date(2025, 10, 2)),
    ]
    links = {("TX", "T1"): "C", ("MI", "M1"): "C"}
    first = apply(events, links, {}, {}, T1)
    assert len(first.notices) == 1
    children = {"C": ChildView(notices=list(first.notices))}
    again = apply([enrollment("MI", "M1", "E9", date(2025, 10, 2), ts=T1, action="U")], links, {}, children, T1)
    assert again.notices == []


def test_course_events_need_no_child_view():
    applied = apply([event("course", key="ALG1", course_id="ALG1")], {("TX", "S1"): "C"}, {}, {}, T0)
    assert list(applied.records) == [("TX", "S1", "course", "ALG1")]
