"""Applying a batch of linked events to the stored records, and finding the moves they reveal.

Pure: the shell loads the records the batch touches and what it knows of each child, this module
decides, and the shell writes the result in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.domain import moves
from hub.domain.merge import Stored, merge
from hub.domain.records import Event

RecordId = tuple[str, str, str, str]  # (state, state_student_id, family, record_key)

# The families a child's view holds: what move detection reads.
CHILD_VIEW_FAMILIES = frozenset({"student", "enrollment"})


@dataclass
class ChildView:
    """A child's identity and enrollment records across states, and the notices already made."""

    students: dict[tuple[str, str], Stored] = field(default_factory=dict)  # (state, ssid) -> identity
    enrollments: dict[RecordId, Stored] = field(default_factory=dict)
    notices: list[moves.Notice] = field(default_factory=list)

    def records(self) -> Iterator[tuple[RecordId, Stored]]:
        """Every record of the view under its record id."""
        for (state, ssid), stored in self.students.items():
            yield (state, ssid, "student", ""), stored
        yield from self.enrollments.items()

    def enrollment_views(self) -> list[moves.EnrollmentView]:
        return [
            moves.EnrollmentView(
                state=rid[0],
                enrollment_id=rid[3],
                enrollment_date=s.fields.get("enrollment_date"),
                withdrawal_date=s.fields.get("withdrawal_date"),
                facility_city=s.fields.get("facility_city"),
            )
            for rid, s in self.enrollments.items()
            if s.fields is not None
        ]

    def who(self) -> moves.Who:
        known = [s for s in self.students.values() if s.fields is not None]
        if not known:
            return moves.Who(None, None, None)
        latest = max(known, key=lambda s: s.source_ts).fields or {}
        return moves.Who(latest.get("first_name"), latest.get("last_name_1"), latest.get("birth_date"))


@dataclass
class Applied:
    records: dict[RecordId, Stored] = field(default_factory=dict)  # the new version of each changed record
    notices: list[moves.Notice] = field(default_factory=list)
    stale: int = 0  # events older than what is stored, so without effect


def apply(
    events: Sequence[Event],
    links: dict[tuple[str, str], str],
    records: dict[RecordId, Stored],
    children: dict[str, ChildView],
    now: datetime,
) -> Applied:
    out = Applied()
    departures: dict[tuple[str, str, str], None] = {}  # (msix_id, state, ssid), ordered
    arrivals: dict[tuple[str, RecordId], None] = {}
    for event in events:
        rid = event.record_id
        result = merge(records.get(rid), event)
        if result is None:
            out.stale += 1
            continue
        records[rid] = out.records[rid] = result
        msix_id = links[(event.state, event.state_student_id)]
        view = children.get(msix_id)
        if view is None:  # not setdefault: that would build a ChildView for every event
            view = children[msix_id] = ChildView()
        if event.family == "student":
            view.students[(event.state, event.state_student_id)] = result
            if result.fields and result.fields.get("move_to_state"):
                departures[(msix_id, event.state, event.state_student_id)] = None
        elif event.family == "enrollment":
            view.enrollments[rid] = result
            if result.fields is not None:
                arrivals[(msix_id, rid)] = None
    for msix_id, state, ssid in departures:
        view = children[msix_id]
        student = view.students[(state, ssid)].fields or {}
        notice = moves.departure(msix_id, state, student, view.enrollment_views(), now)
        _keep(out, view, [notice] if notice else [])
    # Every arrival of one child is judged against the same final view: build it once per child
    # (children with many enrollments in one batch made this quadratic). A notice kept for one
    # enrollment does not change the views, only ``view.notices``, which ``_keep`` reads afresh.
    context: dict[str, tuple[list[moves.EnrollmentView], moves.Who]] = {}
    for msix_id, rid in arrivals:
        view = children[msix_id]
        fields = view.enrollments[rid].fields
        if fields is None:
            continue
        if msix_id not in context:
            context[msix_id] = (view.enrollment_views(), view.who())
        enrollments, who = context[msix_id]
        changed = moves.EnrollmentView(
            rid[0],
            rid[3],
            fields.get("enrollment_date"),
            fields.get("withdrawal_date"),
            fields.get("facility_city"),
        )
        _keep(out, view, moves.arrivals(msix_id, changed, enrollments, who, now))
    return out


def _keep(out: Applied, view: ChildView, candidates: list[moves.Notice]) -> None:
    fresh = moves.novel(candidates, view.notices)
    view.notices.extend(fresh)
    out.notices.extend(fresh)
