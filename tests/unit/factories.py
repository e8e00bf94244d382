"""Small builders of core values for table-driven tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from hub.domain.records import Event

T0 = datetime(2025, 9, 1, 12, tzinfo=UTC)
T1 = datetime(2025, 10, 1, 12, tzinfo=UTC)
T2 = datetime(2025, 11, 1, 12, tzinfo=UTC)


def eid(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def event(
    family: str = "enrollment",
    action: str = "I",
    state: str = "TX",
    ssid: str = "S1",
    key: str = "E1",
    ts: datetime = T0,
    **fields: Any,
) -> Event:
    return Event(
        eid(family, action, state, ssid, key, ts, sorted(fields.items())),
        family,
        action,
        state,
        ssid,
        "" if family == "student" else key,
        ts,
        fields,
    )


def student(state: str = "TX", ssid: str = "S1", ts: datetime = T0, action: str = "I", **over: Any) -> Event:
    fields: dict[str, Any] = {
        "first_name": "José",
        "last_name_1": "Ramírez",
        "last_name_2": "López",
        "birth_date": date(2010, 3, 14),
        "sex": "M",
        "multiple_birth": "N",
    }
    fields.update(over)
    return event("student", action, state, ssid, "", ts, **fields)


def enrollment(
    state: str = "TX",
    ssid: str = "S1",
    key: str = "E1",
    start: date | None = date(2025, 8, 20),
    end: date | None = None,
    ts: datetime = T0,
    action: str = "I",
    city: str = "Weslaco",
) -> Event:
    return event(
        "enrollment",
        action,
        state,
        ssid,
        key,
        ts,
        enrollment_id=key,
        enrollment_date=start,
        withdrawal_date=end,
        facility_city=city,
    )
