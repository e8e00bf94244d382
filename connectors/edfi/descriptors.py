"""The descriptor tables (``descriptors.toml``): Ed-Fi descriptor URIs to the exchange's codes.

The tables are data, read once; this module only looks values up. A descriptor URI is matched on its
descriptor name and code value, case-insensitively, whatever its authority (a state's own namespace
maps like the Ed-Fi default), so ``uri://tx.gov/GradeLevelDescriptor#fifth grade`` is ``05``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources


class Unmapped(ValueError):
    """A descriptor value its table does not know, or one of another descriptor than expected."""


@dataclass(frozen=True, slots=True)
class Tables:
    by_name: dict[str, dict[str, str]]
    """table name -> {code value, lower case: exchange code ("" = not reported)}."""
    inverse: dict[str, dict[str, str]]
    """table name -> {exchange code: its first code value in the table}: for writing Ed-Fi files."""
    _memo: dict[tuple[str, str, str | None], str | Unmapped | None] = field(default_factory=dict)
    """Descriptor values repeat endlessly in a submission: each is looked up once."""
    carnegie_memo: dict[tuple[str | None, str | None, str | None], str] = field(default_factory=dict)
    """(Credits, CreditConversion, CreditType) texts -> Carnegie units, kept by the mapping: few distinct."""

    def code(self, table: str, uri: str, descriptor: str | None = None) -> str | None:
        """The exchange's code for ``uri`` in ``table``; None when the exchange has no code for it.

        ``descriptor`` is the descriptor the URI must name (the table's own name by default).
        Raises Unmapped with a short reason that quotes at most the code value.
        """
        key = (table, uri, descriptor)
        found = self._memo.get(key, self)
        if found is self:
            try:
                found = self._code(table, uri, descriptor)
            except Unmapped as exc:
                found = exc
            if len(self._memo) < 100_000:  # a bound, against a file of endless distinct values
                self._memo[key] = found
        if isinstance(found, Unmapped):
            raise Unmapped(str(found))
        return found  # type: ignore[return-value]

    def _code(self, table: str, uri: str, descriptor: str | None) -> str | None:
        expected = descriptor or table
        name, value = split(uri)
        if name is not None and name.lower() != expected.lower():
            raise Unmapped(f"is a {name}, not a {expected}")
        code = self.by_name[table].get(value.lower())
        if code is None:
            raise Unmapped(f"{_quote(value)} maps to no code of the exchange ({expected})")
        return code or None

    def carnegie_factor(self, credit_type_uri: str | None) -> Decimal:
        """Carnegie units per credit of this credit type (no type: Carnegie units already)."""
        if credit_type_uri is None:
            return Decimal(1)
        factor = self.code("CreditTypeDescriptor", credit_type_uri)
        if factor is None:
            value = _quote(split(credit_type_uri)[1])
            raise Unmapped(f"{value} credits have no fixed Carnegie conversion; give CreditConversion")
        return Decimal(factor)


@lru_cache(maxsize=8192)  # descriptor URIs repeat endlessly in a submission
def split(uri: str) -> tuple[str | None, str]:
    """(descriptor name, code value) of a descriptor URI; a bare code value has no name."""
    head, sep, value = uri.strip().rpartition("#")
    if not sep:
        return None, uri.strip()
    return head.rstrip("/").rpartition("/")[2] or None, value.strip()


def _quote(value: str) -> str:
    # Descriptor code values are codes, not a child's data: short ones may be quoted back.
    return repr(value) if len(value) <= 40 else f"a code value of {len(value)} characters"


@cache
def tables() -> Tables:
    text = resources.files("connectors.edfi").joinpath("descriptors.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    by_name = {name: {k.lower(): str(v) for k, v in table.items()} for name, table in data.items()}
    inverse: dict[str, dict[str, str]] = {}
    for name, table in data.items():
        for value, code in table.items():
            if code:
                inverse.setdefault(name, {}).setdefault(str(code), value)
    return Tables(by_name, inverse)
