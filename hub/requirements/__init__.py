"""Graduation requirements, one TOML file a state (``TX.toml``...) and ``default.toml`` for the rest.

The format (all credits in Carnegie units, decimals allowed)::

    state = "TX"                 # USPS code, the file's name; "default" for default.toml
    name = "..."                 # the diploma or program, as the state names it
    source = "..."               # the rule it comes from (statute, code section)
    total = 26                   # credits in all, electives included

    [[area]]                     # one table per requirement, filled in file order
    name = "Mathematics"
    subjects = ["02"]            # SCED two-digit subject codes whose courses count toward it
    credits = 4

A subject named by two areas fills the first before the second; credits no area takes count
toward ``total`` only (electives). Adding a state is adding a file.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from hub.domain.credits import Area, Requirements
from hub.errors import HubError

DEFAULT = "default"


def parse(data: dict[str, Any]) -> Requirements:
    """Requirements from a file's parsed TOML; ``ValueError`` when it does not follow the format."""
    try:
        areas = tuple(
            Area(str(a["name"]), tuple(str(s) for s in a["subjects"]), Decimal(str(a["credits"])))
            for a in data.get("area", [])
        )
        req = Requirements(
            str(data["state"]), str(data["name"]), str(data["source"]), Decimal(str(data["total"])), areas
        )
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"not a requirements file: {exc!r}") from exc
    for area in areas:
        if not area.subjects or any(len(s) != 2 or not s.isdigit() for s in area.subjects):
            raise ValueError(f"area {area.name!r}: subjects must be two-digit SCED codes")
    if sum((a.credits for a in areas), Decimal(0)) > req.total:
        raise ValueError("the areas ask for more credits than the total")
    return req


@cache
def available() -> frozenset[str]:
    files = resources.files(__name__).iterdir()
    return frozenset(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


@cache
def for_state(state: str) -> Requirements:
    """The state's requirements, or the default ones when the hub ships none for it."""
    name = state if state in available() else DEFAULT
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    try:
        return parse(tomllib.loads(text))
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise HubError(f"requirements file {name}.toml: {exc}") from exc
