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
from connectors.edfi.xmlfile import Paths, flatten_shaped


class ElementProblem(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# xs:date, or the date part of an xs:dateTime (a time and a zone may follow).
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}($|T|Z|[+-][0-9]{2}:[0-9]{2}$)")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_DAYS: dict[str, str] = {}
"""Texts already found to be good dates -> YYYY-MM-DD: dates repeat (entry dates, program dates), and
the check costs a regular expression and a date (~1 µs against a dictionary hit)."""


class View:
    """One element, read by local-name paths relative to it (``Name/FirstName``).

    The element's leaves are flattened into a dict once, their texts stripped and the empty ones left
    out (``texts``); each path is then one lookup, several times faster than lxml's ``findtext`` on
    namespaced paths, and the mapping's hottest functions read ``texts.get`` directly (a method call of
    this class costs ~0.3 µs more a value). Repeated children (``all``, ``leaves``) are found in the
    element itself, or, in a view read in another process (``read``), came along with its texts.
    """

    __slots__ = ("_counts", "_repeated", "_within", "element", "paths", "tables", "texts")

    def __init__(self, element: Any, paths: Paths, tables: Tables) -> None:
        self.element = element
        self.paths = paths
        self.tables = tables
        self._within: tuple[dict[str, int], str] | None = None
        self._repeated: dict[str, list[Any]] | None = None
        leaves, texts, self._counts = flatten_shaped(element, paths.namespace)
        self.texts: dict[str, str] = stripped(leaves, texts)

    @classmethod
    def read(
        cls, texts: dict[str, str], counts: dict[str, int], paths: Paths, tables: Tables,
        repeated: dict[str, list[Any]] | None = None,
    ) -> View:  # fmt: skip
        """A view of an element read elsewhere (another process: ``connectors.edfi.readahead``), from
        its ``texts`` (``stripped``), its ``counts`` and ``repeated``: each child, of the names its
        mapping reads one by one (``mapping.REPEATED``), that occurs more than once, as the stripped
        text of a leaf or as ``(texts, counts)``. A child that occurs once is read from the leaves."""
        view = cls.__new__(cls)
        view.element, view.paths, view.tables, view.texts = None, paths, tables, texts
        view._counts, view._within, view._repeated = counts, None, repeated or {}
        return view

    def text(self, *paths: str) -> str | None:
        """The stripped text of the first of ``paths`` present and not empty."""
        texts = self.texts
        for path in paths:
            value = texts.get(path)
            if value is not None:
                return value
        return None

    def required(self, *paths: str) -> str:
        value = self.text(*paths)
        if value is None:
            raise ElementProblem(paths[0], f"{paths[0].rpartition('/')[2]} is required")
        return value

    def all(self, name: str) -> list[View]:
        """Each child called ``name``, in document order."""
        count = self.counts.get(name, 0)
        if count == 1:
            only = self.first(name)
            return [only] if only is not None else []
        if count == 0:
            return []
        if self.element is None:  # read elsewhere: its children came along (see ``read``)
            return [View.read(texts, counts, self.paths, self.tables) for texts, counts in self._shipped(name)]
        return [self.child(e) for e in self.element.iterfind(self.paths(name))]

    def leaves(self, name: str) -> list[str]:
        """The stripped text of each child called ``name`` (a leaf: a descriptor, a code), empty ones
        included, in document order."""
        count = self.counts.get(name, 0)
        if count == 1:
            return [self.texts.get(name, "")]
        if count == 0:
            return []
        if self.element is None:
            return list(self._shipped(name))
        return [(e.text or "").strip() for e in self.element.iterfind(self.paths(name))]

    def _shipped(self, name: str) -> list[Any]:
        shipped = (self._repeated or {}).get(name)
        if shipped is None:
            raise LookupError(f"{name}: a repeated child not in mapping.REPEATED, so not read ahead")
        return shipped

    def child(self, element: Any) -> View:
        return View(element, self.paths, self.tables)

    def first(self, name: str) -> View | None:
        """The first child called ``name``, as ``child`` reads it; None if there is none.

        The only one of its name is read from this element's own leaves (those under ``name/``: the
        same texts), which spares finding it and flattening it again (~10 µs).
        """
        count = self.counts.get(name, 0)
        if count == 0:
            return None
        if count > 1:
            return self.all(name)[0]
        view = View.__new__(View)
        view.element, view.paths, view.tables, view._repeated = None, self.paths, self.tables, None
        prefix = name + "/"
        cut = len(prefix)
        view.texts = {path[cut:]: text for path, text in self.texts.items() if path.startswith(prefix)}
        view._within = (self.counts, prefix)  # its counts, worked out if asked for
        return view

    @property
    def counts(self) -> dict[str, int]:
        """How many elements below this one have each path (see ``flatten_shaped``)."""
        if self._within is not None:
            counts, prefix = self._within
            cut = len(prefix)
            self._counts = {path[cut:]: n for path, n in counts.items() if path.startswith(prefix)}
            self._within = None
        return self._counts

    def date(self, path: str) -> str | None:
        """An ``xs:date`` as YYYY-MM-DD (a real day)."""
        value = self.text(path)
        if value is None:
            return None
        day = _DAYS.get(value)
        if day is not None:
            return day
        if not _DAY.match(value):
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a date (YYYY-MM-DD)")
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            raise ElementProblem(path, f"{_name(path)} {_short(value)} is not a real date") from None
        if len(_DAYS) >= 100_000:  # a bound, against a file of endless distinct values
            _DAYS.clear()
        _DAYS[value] = day = value[:10]
        return day

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


def stripped(paths: tuple[str, ...], texts: tuple[str | None, ...]) -> dict[str, str]:
    """The leaves' texts by path, stripped, the empty ones left out."""
    return {path: kept for path, text in zip(paths, texts, strict=True) if text and (kept := text.strip())}


def _name(path: str) -> str:
    return path.rpartition("/")[2]


def _short(value: str) -> str:
    # Values quoted back are dates, flags and numbers; anything longer is not quoted (it may be a name).
    return repr(value) if len(value) <= 12 else f"(a value of {len(value)} characters)"
