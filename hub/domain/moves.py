"""Move detection: when the hub tells a destination state that a child is on the way or has arrived.

Two signals (CONTRACT.md, "Move notices"):

* departure: the origin state's student record names a ``move_to_state`` other than itself;
* arrival: the child enrolls in one state while an enrollment in another state is still open
  (no withdrawal date). It is found whichever of the two enrollments reaches the hub first.

One notice per move: ids are derived from the move itself, so republished data makes the same id,
and a second signal of a move already notified (a departure and then the arrival it announced) is
suppressed when the earlier notice covers the same two states within ``SAME_MOVE_WINDOW``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

SAME_MOVE_WINDOW = timedelta(days=120)


@dataclass(frozen=True, slots=True)
class EnrollmentView:
    state: str
    enrollment_id: str
    enrollment_date: date | None
    withdrawal_date: date | None
    facility_city: str | None

    @property
    def open(self) -> bool:
        return self.withdrawal_date is None


@dataclass(frozen=True, slots=True)
class Who:
    """The few identity facts a notice carries, so the destination can recognise the child."""

    first_name: str | None
    last_name_1: str | None
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str
    msix_id: str
    kind: str
    from_state: str
    to_state: str
    to_city: str | None
    move_date: date | None
    first_name: str | None
    last_name_1: str | None
    birth_date: date | None
    created_at: datetime

    def as_value(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def notice_id(msix_id: str, kind: str, from_state: str, to_state: str, anchor: str) -> str:
    text = "|".join((msix_id, kind, from_state, to_state, anchor))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def departure(
    msix_id: str,
    state: str,
    student: dict[str, Any],
    enrollments: Sequence[EnrollmentView],
    now: datetime,
) -> Notice | None:
    """The notice a student record asks for, if it reports a move to another state."""
    to_state = student.get("move_to_state")
    if not to_state or to_state == state:
        return None
    withdrawals = [e.withdrawal_date for e in enrollments if e.state == state and e.withdrawal_date]
    qad = student.get("qad")
    return Notice(
        notice_id=notice_id(msix_id, "departure", state, to_state, qad.isoformat() if qad else ""),
        msix_id=msix_id,
        kind="departure",
        from_state=state,
        to_state=to_state,
        to_city=student.get("move_to_city"),
        move_date=max(withdrawals) if withdrawals else now.date(),
        first_name=student.get("first_name"),
        last_name_1=student.get("last_name_1"),
        birth_date=student.get("birth_date"),
        created_at=now,
    )


def arrivals(
    msix_id: str,
    changed: EnrollmentView,
    enrollments: Sequence[EnrollmentView],
    who: Who,
    now: datetime,
) -> list[Notice]:
    """Arrivals that ``changed`` reveals, as the newer enrollment or as the open older one."""
    found: list[Notice] = []
    if changed.enrollment_date is None:
        return found
    others = [e for e in enrollments if e.state != changed.state and e.enrollment_date is not None]
    # ``changed`` is the new school: the latest still-open enrollment elsewhere that began before.
    earlier_open = [e for e in others if e.open and e.enrollment_date <= changed.enrollment_date]  # type: ignore[operator]
    if earlier_open:
        origin = max(earlier_open, key=lambda e: e.enrollment_date)  # type: ignore[arg-type,return-value]
        found.append(_arrival(msix_id, origin, changed, who, now))
    # ``changed`` is the open enrollment left behind: every later enrollment elsewhere is an arrival.
    if changed.open:
        for later in others:
            if later.enrollment_date > changed.enrollment_date:  # type: ignore[operator]
                found.append(_arrival(msix_id, changed, later, who, now))
    return found


def _arrival(msix_id: str, origin: EnrollmentView, new: EnrollmentView, who: Who, now: datetime) -> Notice:
    return Notice(
        notice_id=notice_id(msix_id, "arrival", origin.state, new.state, new.enrollment_id),
        msix_id=msix_id,
        kind="arrival",
        from_state=origin.state,
        to_state=new.state,
        to_city=new.facility_city,
        move_date=new.enrollment_date,
        first_name=who.first_name,
        last_name_1=who.last_name_1,
        birth_date=who.birth_date,
        created_at=now,
    )


def novel(candidates: Iterable[Notice], existing: Iterable[Notice]) -> list[Notice]:
    """The candidates that are not a move already notified (by id, or the same states close in time)."""
    kept: list[Notice] = []
    seen = list(existing)
    for notice in candidates:
        if not any(_same_move(notice, old) for old in seen):
            kept.append(notice)
            seen.append(notice)
    return kept


def _same_move(a: Notice, b: Notice) -> bool:
    if a.notice_id == b.notice_id:
        return True
    if (a.msix_id, a.from_state, a.to_state) != (b.msix_id, b.from_state, b.to_state):
        return False
    if a.move_date is None or b.move_date is None:
        return True
    return abs(a.move_date - b.move_date) <= SAME_MOVE_WINDOW
