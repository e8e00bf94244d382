"""Working-day calendars and obligations, one TOML file a state (``TX.toml``...) and ``federal.toml``
for the rest. Adding a state is adding a file. The format::

    state = "TX"                    # USPS code, the file's name; "federal" for federal.toml
    timezone = "America/Chicago"    # where the state's days begin and end (IANA name)
    working_days = ["mon", ...]     # optional: the federal file's Monday to Friday otherwise
    drop = ["Columbus Day"]         # federal holidays the state works on
    closures = ["2027-01-20"]       # optional one-off days off

    [[holiday]]                     # a fixed date (month, day; moved off a weekend unless
    name = "Christmas Eve"          # observed = false) or the nth weekday of a month (nth = -1:
    month = 12                      # the last), moved by offset days
    day = 24

    [obligation.records_request]    # federal.toml: every obligation, with days, unit
    days = 3                        # (working_days or calendar_days), paragraph, starts, duty;
                                    # a state's file may only shorten a time frame

The state's calendar is the federal one with the state's differences; a state's obligations are the
federal ones with the state's shorter time frames. Which calendar counts for an obligation is the
state that owes it: a request to Texas is due by Texas's working days.
"""

from __future__ import annotations

import dataclasses
import tomllib
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from hub.domain import deadlines
from hub.domain.deadlines import Calendar, Obligation
from hub.errors import HubError

FEDERAL = "federal"
RECORDS_REQUEST = "records_request"


def _read(name: str) -> dict[str, Any] | None:
    entry = resources.files(__name__) / f"{name}.toml"
    if not entry.is_file():
        return None
    try:
        return tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HubError(f"hub/calendars/{name}.toml: {exc}") from exc


@cache
def available() -> frozenset[str]:
    """The states with a file of their own."""
    names = (f.name.removesuffix(".toml") for f in resources.files(__name__).iterdir() if f.name.endswith(".toml"))
    return frozenset(n for n in names if n != FEDERAL)


@cache
def calendar_for(state: str) -> Calendar:
    federal = _parsed(FEDERAL, None)
    data = _read(state) if state in available() else None
    return _parsed(state, federal, data) if data is not None else federal


@cache
def obligations_for(state: str) -> dict[str, Obligation]:
    """Every obligation with the time frame ``state`` owes it in."""
    federal = _read(FEDERAL) or {}
    found = {kind: _obligation(kind, spec) for kind, spec in federal.get("obligation", {}).items()}
    data = _read(state) if state in available() else None
    for kind, spec in (data or {}).get("obligation", {}).items():
        found[kind] = _shortened(state, found, kind, spec)
    return found


def obligation_for(state: str, kind: str) -> Obligation:
    try:
        return obligations_for(state)[kind]
    except KeyError:
        raise HubError(f"no obligation {kind!r} in hub/calendars/federal.toml") from None


def _parsed(name: str, base: Calendar | None, data: dict[str, Any] | None = None) -> Calendar:
    data = data if data is not None else _read(name)
    if data is None:
        raise HubError(f"hub/calendars/{name}.toml is missing")
    try:
        found = deadlines.calendar(data, base)
        ZoneInfo(found.timezone)  # an unknown zone fails here, not at the first deadline
    except (KeyError, TypeError, ValueError) as exc:
        raise HubError(f"hub/calendars/{name}.toml: {exc}") from exc
    if found.name != name or not found.weekdays:
        raise HubError(f"hub/calendars/{name}.toml: state must be {name!r}, with at least one working day")
    return found


def _obligation(kind: str, spec: dict[str, Any]) -> Obligation:
    try:
        return deadlines.obligation(kind, spec)
    except (KeyError, TypeError, ValueError) as exc:
        raise HubError(f"hub/calendars/federal.toml: obligation {kind}: {exc}") from exc


def _shortened(state: str, found: dict[str, Obligation], kind: str, spec: dict[str, Any]) -> Obligation:
    if kind not in found or not isinstance(spec.get("days"), int) or not 1 <= spec["days"] <= found[kind].days:
        raise HubError(f"hub/calendars/{state}.toml: obligation {kind}: days must be 1 to the federal time frame")
    return dataclasses.replace(found[kind], days=spec["days"])
