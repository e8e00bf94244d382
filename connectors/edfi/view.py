"""Reading one Ed-Fi element's values: text, dates, booleans, decimals and descriptors, each checked.

A value that breaks the Data Standard's own rules (a required element missing, a date that is not an
``xs:date``, a boolean that is not ``true``/``false``, a descriptor no table knows) raises
ElementProblem with the path of the offending child and a short reason. The exchange's rules proper
(code lists, dates not in the future...) are left to the MDE row models the mapped values go through.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.edfi.descriptors import Tables, Unmapped, split
from connectors.edfi.xmlfile import Paths, flatten


class ElementProblem(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# xs:date, or the date part of an xs:dateTime (a time and a zone may follow).
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}($|T|Z|[+-][0-9]{2}:[0-9]{2}$)")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class View:
    """One element, read by local-name paths relative to it (``Name/FirstName``).

    The element's leaves are flattened into a dict once; each path is then one lookup, several times
    faster than lxml's ``findtext`` on namespaced paths. Repeated children (``all``) are found in the
    element itself.
    """

    __slots__ = ("element", "leaves", "paths", "tables")

    def __init__(self, element: Any, paths: Paths, tables: Tables) -> None:
        self.element = element
        self.paths = paths
        self.tables = tables
        self.leaves = flatten(element, paths.namespace)

    def text(self, *paths: str) -> str | None:
        """The stripped text of the first of ``paths`` present and not empty."""
        leaves = self.leaves  # the hottest call of the mapping: about ten per element
        for path in paths:
            value = leaves.get(path)
            if value:
                value = value.strip()
                if value:
                    return value
        return None

    def required(self, *paths: str) -> str:
        value = self.text(*paths)
        if value is None:
            raise ElementProblem(paths[0], f"{paths[0].rpartition('/')[2]} is required")
        return value

    def all(self, path: str) -> list[Any]:
        return list(self.element.iterfind(self.paths(path)))

    def child(self, element: Any) -> View:
        return View(element, self.paths, self.tables)

    def date(self, path: str) -> str | None:
        """An ``xs:date`` as YYYY-MM-DD (a real day)."""
        value = self.text(path)
        if value is None:
            return None
        if not _DAY.match(value):
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a date (YYYY-MM-DD)")
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a real date") from None
        return value[:10]

    def month(self, path: str) -> str | None:
        """The YYYY-MM of an ``xs:dateTime`` (or ``xs:date``)."""
        day = self.date(path)
        return None if day is None else day[:7]

    def boolean(self, path: str) -> str | None:
        """``Y``/``N`` from an ``xs:boolean``."""
        value = self.text(path)
        if value is None:
            return None
        flag = _BOOLEANS.get(value)
        if flag is None:
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not true or false")
        return "Y" if flag else "N"

    def decimal(self, path: str) -> Decimal | None:
        value = self.text(path)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a number") from None
        if not number.is_finite():
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a number")
        return number

    def code(self, table: str, path: str, descriptor: str | None = None) -> str | None:
        """The exchange's code for the descriptor at ``path`` (None: absent, or no code for it)."""
        value = self.text(path)
        if value is None:
            return None
        try:
            return self.tables.code(table, value, descriptor)
        except Unmapped as exc:
            raise ElementProblem(path, f"{_name(path)} {exc}") from None

    def code_value(self, path: str) -> str | None:
        """A descriptor's code value as it is (``TX`` of ``uri://ed-fi.org/StateAbbreviationDescriptor#TX``)."""
        value = self.text(path)
        return None if value is None else split(value)[1] or None


def _name(path: str) -> str:
    return path.rpartition("/")[2]


def _short(value: str) -> str:
    # Values quoted back are dates, flags and numbers; anything longer is not quoted (it may be a name).
    return repr(value) if len(value) <= 12 else f"(a value of {len(value)} characters)"
