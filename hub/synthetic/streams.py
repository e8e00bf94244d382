"""Crop streams: the routes migrant families follow through a school year.

A family follows a crop stream (TX -> MI, FL -> GA -> NC, CA -> WA -> OR...): a list of legs, each
a stretch of weeks in one town. ``resolve_legs`` gives one family's legs concrete dates and towns;
``move_kinds`` decides how each move out of a leg gets reported.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from hub.synthetic.calendars import CALENDARS, MD, on
from hub.synthetic.draws import days_between
from hub.synthetic.places import CITIES


@dataclass(frozen=True, slots=True)
class LegSpec:
    state: str
    start: MD | None = None
    """None: when school opens."""
    end: MD | None = None
    """None: when school closes."""
    summer: bool = False
    new_city: bool = False
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    home: str
    weight: float
    legs: tuple[LegSpec, ...]


def _school(state: str, start: MD | None = None, end: MD | None = None, new_city: bool = False) -> LegSpec:
    return LegSpec(state, start, end, new_city=new_city)


def _summer(state: str, optional: bool = False) -> LegSpec:
    return LegSpec(state, summer=True, optional=optional)


# fmt: off
STREAMS: tuple[Stream, ...] = (
    Stream("tx-mi", "TX", 10, (_school("TX", end=(4, 25)), _school("MI", (5, 2)), _summer("MI"))),
    Stream("mi-tx-mi", "TX", 6, (_school("MI", end=(10, 31)), _school("TX", (11, 7), (4, 25)),
                                 _school("MI", (5, 2)), _summer("MI"))),
    Stream("tx-oh", "TX", 3, (_school("TX", end=(5, 1)), _school("OH", (5, 8)), _summer("OH"))),
    Stream("tx-mn", "TX", 2, (_school("TX", end=(4, 20)), _school("MN", (4, 27)), _summer("MN"))),
    Stream("tx-id", "TX", 3, (_school("TX", end=(4, 15)), _school("ID", (4, 22)), _summer("ID"))),
    Stream("tx-wa", "TX", 3, (_school("TX", end=(4, 10)), _school("WA", (4, 17)), _summer("WA"))),
    Stream("tx-nc", "TX", 2, (_school("TX", end=(4, 30)), _school("NC", (5, 7)), _summer("NC"))),
    Stream("tx-co", "TX", 2, (_school("TX", end=(4, 20)), _school("CO", (4, 27)), _summer("CO"))),
    Stream("fl-ga-nc", "FL", 6, (_school("FL", end=(3, 31)), _school("GA", (4, 7)), _summer("NC"))),
    Stream("ny-fl-nc", "FL", 5, (_school("NY", end=(10, 24)), _school("FL", (11, 3), (5, 8)),
                                 _school("NC", (5, 15)), _summer("NC"))),
    Stream("fl-nc-ny", "FL", 5, (_school("FL", end=(4, 30)), _school("NC", (5, 7)), _summer("NY"))),
    Stream("fl-nc-mi", "FL", 3, (_school("FL", end=(4, 30)), _school("NC", (5, 7)), _summer("MI"))),
    Stream("fl-mi", "FL", 4, (_school("FL", end=(5, 10)), _school("MI", (5, 17)), _summer("MI"))),
    Stream("fl-pa", "FL", 2, (_school("FL", end=(5, 20)), _summer("PA"))),
    Stream("ga-nc", "GA", 2, (_school("GA", end=(5, 1)), _school("NC", (5, 8)), _summer("NC"))),
    Stream("ca-wa-or", "CA", 6, (_school("CA", end=(3, 31)), _school("WA", (4, 7)), _summer("OR"))),
    Stream("wa-ca-wa", "WA", 5, (_school("WA", end=(10, 31)), _school("CA", (11, 7), (5, 15)),
                                 _school("WA", (5, 22)), _summer("WA"))),
    Stream("or-ca", "OR", 3, (_school("OR", end=(10, 15)), _school("CA", (10, 22)), _summer("CA"))),
    Stream("id-ca-id", "ID", 3, (_school("ID", end=(10, 20)), _school("CA", (10, 27), (4, 30)),
                                 _school("ID", (5, 7)))),
    Stream("ca-az-ca", "CA", 3, (_school("CA", end=(11, 10)), _school("AZ", (11, 17), (3, 31)),
                                 _school("CA", (4, 7)))),
    Stream("ca-or", "CA", 3, (_school("CA", end=(5, 31)), _summer("OR"))),
    Stream("ca-intra", "CA", 5, (_school("CA", end=(1, 16)), _school("CA", (1, 21), new_city=True))),
    Stream("tx-intra", "TX", 3, (_school("TX", end=(2, 6)), _school("TX", (2, 11), new_city=True))),
    Stream("fl-intra", "FL", 3, (_school("FL", end=(12, 12)), _school("FL", (1, 6), new_city=True))),
    Stream("wa-intra", "WA", 2, (_school("WA", end=(3, 6)), _school("WA", (3, 11), new_city=True))),
    # The national streams. Each one has a leg in a state outside the fifteen above, so that the
    # worlds of those fifteen (the benchmark's ten, the demo's six) never draw one: streams_for keeps
    # a stream only when every leg's state is in the world. Weights are small beside the streams
    # above: in a national world the big home bases still send most families.
    # Midwest stream, from the Rio Grande valley: meat and vegetables in the Plains, corn, tomatoes,
    # cucumbers and cherries around the Great Lakes, sugar beets in the Red River valley and Wyoming.
    Stream("tx-ia", "TX", 2, (_school("TX", end=(4, 30)), _school("IA", (5, 7)), _summer("IA"))),
    Stream("tx-ne", "TX", 2, (_school("TX", end=(4, 25)), _school("NE", (5, 2)), _summer("NE"))),
    Stream("tx-ks", "TX", 2, (_school("TX", end=(3, 13)), _school("KS", (3, 20)), _summer("KS"))),
    Stream("tx-ok", "TX", 1, (_school("TX", end=(1, 16)), _school("OK", (1, 23)), _summer("OK", optional=True))),
    Stream("tx-il", "TX", 2, (_school("TX", end=(5, 8)), _school("IL", (5, 15)), _summer("IL"))),
    Stream("tx-in", "TX", 1.5, (_school("TX", end=(5, 1)), _school("IN", (5, 8)), _summer("IN"))),
    Stream("tx-wi", "TX", 2, (_school("TX", end=(5, 8)), _school("WI", (5, 15)), _summer("WI"))),
    Stream("tx-nd", "TX", 1, (_school("TX", end=(4, 24)), _school("ND", (5, 1)), _summer("ND"))),
    Stream("tx-sd", "TX", 1, (_school("TX", end=(4, 24)), _school("SD", (5, 1)), _summer("SD"))),
    Stream("tx-wy", "TX", 1, (_school("TX", end=(4, 24)), _school("WY", (5, 1)), _summer("WY"))),
    # Midwest and mid-South: poultry and meat plants, tobacco and nurseries.
    Stream("tx-ar", "TX", 1.5, (_school("TX", end=(12, 12)), _school("AR", (1, 6)), _summer("AR", optional=True))),
    Stream("tx-mo", "TX", 1, (_school("TX", end=(3, 6)), _school("MO", (3, 13)), _summer("MO"))),
    Stream("tx-tn-ky", "TX", 1, (_school("TX", end=(3, 27)), _school("TN", (4, 3)), _summer("KY"))),
    Stream("tx-la-tx", "TX", 1, (_school("TX", end=(10, 3)), _school("LA", (10, 10), (12, 19)),
                                 _school("TX", (1, 6)))),
    Stream("tx-ms", "TX", 1, (_school("TX", end=(2, 13)), _school("MS", (2, 20)), _summer("MS", optional=True))),
    # The chile and onion harvest of southern New Mexico, wintering in Texas.
    Stream("nm-tx-nm", "TX", 1.5, (_school("NM", end=(10, 31)), _school("TX", (11, 7), (4, 10)),
                                   _school("NM", (4, 17)), _summer("NM"))),
    # West: from California and Arizona to Nevada, Utah and Montana; the Pacific Northwest to the
    # Alaska canneries; Alaska's own fishing families.
    Stream("ca-nv", "CA", 1.5, (_school("CA", end=(3, 31)), _school("NV", (4, 7)), _summer("NV"))),
    Stream("ca-ut", "CA", 1.5, (_school("CA", end=(4, 30)), _school("UT", (5, 7)), _summer("UT"))),
    Stream("az-ut", "AZ", 1, (_school("AZ", end=(4, 24)), _school("UT", (5, 1)), _summer("UT"))),
    Stream("ca-mt", "CA", 1, (_school("CA", end=(5, 29)), _summer("MT"))),
    Stream("wa-mt", "WA", 1, (_school("WA", end=(5, 22)), _school("MT", (5, 29)), _summer("MT"))),
    Stream("wa-ak", "WA", 1, (_school("WA", end=(5, 29)), _summer("AK"))),
    Stream("ak-intra", "AK", 1, (_school("AK", end=(3, 20)), _school("AK", (3, 27), new_city=True))),
    # East Coast stream, Florida north: Georgia and the Carolinas, Virginia's Eastern Shore and
    # Maryland, Delaware and South Jersey, Connecticut valley tobacco, Maine blueberries and
    # potatoes; Alabama, Mississippi and Vermont dairy for families who settle.
    Stream("fl-ga-sc", "FL", 2, (_school("FL", end=(3, 20)), _school("GA", (3, 27), (5, 8)),
                                 _school("SC", (5, 15)), _summer("SC"))),
    Stream("fl-sc-nc", "FL", 1.5, (_school("FL", end=(4, 24)), _school("SC", (5, 1)), _summer("NC"))),
    Stream("fl-va-md", "FL", 1.5, (_school("FL", end=(5, 8)), _school("VA", (5, 15)), _summer("MD"))),
    Stream("nc-va", "NC", 1, (_school("NC", end=(5, 29)), _summer("VA"))),
    Stream("fl-de", "FL", 1, (_school("FL", end=(5, 15)), _school("DE", (5, 22)), _summer("DE"))),
    Stream("fl-nj", "FL", 1.5, (_school("FL", end=(5, 22)), _school("NJ", (5, 29)), _summer("NJ"))),
    Stream("fl-pa-nj", "FL", 1, (_school("FL", end=(4, 30)), _school("PA", (5, 7)), _summer("NJ"))),
    Stream("fl-ct", "FL", 1, (_school("FL", end=(5, 22)), _summer("CT"))),
    Stream("fl-ma", "FL", 1, (_school("FL", end=(5, 22)), _summer("MA"))),
    Stream("fl-ny-me", "FL", 1, (_school("FL", end=(5, 8)), _school("NY", (5, 15)), _summer("ME"))),
    Stream("fl-me", "FL", 1, (_school("FL", end=(5, 28)), _summer("ME"))),
    Stream("fl-al", "FL", 1, (_school("FL", end=(1, 30)), _school("AL", (2, 6)), _summer("AL", optional=True))),
    Stream("ny-vt", "NY", 1, (_school("NY", end=(12, 19)), _school("VT", (1, 5)), _summer("VT", optional=True))),
)
# fmt: on

# The national states (after the first fifteen) have smaller programs: fewer families stay all year.
_STAYER_WEIGHT = {"TX": 6.0, "CA": 6.0, "FL": 4.0, "WA": 2.0, **dict.fromkeys(tuple(CITIES)[15:], 1.0), "AK": 2.0}


def streams_for(states: tuple[str, ...]) -> tuple[Stream, ...]:
    """The streams whose every state is in ``states``, stayers for each state, and a plain
    two-state stream for any state no stream reaches."""
    usable = [s for s in STREAMS if all(leg.state in states for leg in s.legs)]
    reached = {leg.state for s in usable for leg in s.legs}
    for state in states:
        legs: tuple[LegSpec, ...]
        if state not in reached and len(states) > 1:
            partner = next(s for s in states if s != state)
            legs = (_school(partner, end=(4, 20)), _school(state, (4, 27)), _summer(state))
            usable.append(Stream(f"{partner.lower()}-{state.lower()}", partner, 3, legs))
        legs = (_school(state), _summer(state, optional=True))
        usable.append(Stream(f"{state.lower()}-stay", state, _STAYER_WEIGHT.get(state, 2.0), legs))
    return tuple(usable)


@dataclass(frozen=True, slots=True)
class Leg:
    state: str
    city: str
    summer: bool
    start: date
    end: date


def resolve_legs(rng: random.Random, stream: Stream, year: int) -> list[Leg]:
    """Concrete dates and towns for one family following ``stream``."""
    legs: list[Leg] = []
    cities: dict[str, str] = {}
    for spec in stream.legs:
        if spec.optional and rng.random() < 0.65:
            continue
        cal = CALENDARS[spec.state]
        if spec.summer:
            start = on(year, cal.summer[0]) + days_between(rng, -3, 3)
            end = on(year, cal.summer[1])
        else:
            start = on(year, cal.start) if spec.start is None else on(year, spec.start) + days_between(rng, -7, 7)
            end = on(year, cal.end) if spec.end is None else on(year, spec.end) + days_between(rng, -7, 7)
        if legs and start <= legs[-1].end:
            start = legs[-1].end + days_between(rng, 3, 9)  # the drive north
        if (end - start).days < 14:
            continue
        city = cities.get(spec.state)
        if city is None or spec.new_city:
            towns = [c for c, _ in CITIES[spec.state] if c != city]
            city = cities[spec.state] = rng.choice(towns)
        legs.append(Leg(spec.state, city, spec.summer, start, end))
    return legs


def move_kinds(rng: random.Random, legs: list[Leg]) -> list[str]:
    """How each move out of a leg gets reported: ``departure``, ``arrival``, ``unreported`` ('' if none).

    An enrollment left open is only allowed on the last move between states: an enrollment that
    stays open through later moves would make every later move look like a move from that state.
    The same departure is reported once a year at most (a second TX -> MI would look like a repeat).
    """
    kinds = [""] * len(legs)
    moves = [i for i in range(len(legs) - 1) if legs[i].state != legs[i + 1].state]
    reported: set[tuple[str, str]] = set()
    for i in moves:
        cal = CALENDARS[legs[i].state]
        roll = rng.random()
        kind = "departure" if roll < cal.departure else "arrival" if roll < cal.departure + cal.open else "unreported"
        if kind == "arrival" and i != moves[-1]:
            kind = rng.choice(("departure", "unreported"))
        pair = (legs[i].state, legs[i + 1].state)
        if kind == "departure" and pair in reported:
            kind = "unreported"
        if kind == "departure":
            reported.add(pair)
        kinds[i] = kind
    return kinds
