"""The MDE row models' checks for rows the Ed-Fi mapping built: the same rules, each value checked once.

``validate_row`` (``connectors.mde.rows``) runs a row's whole pydantic model: 4-9 µs a row, about a
tenth of an Ed-Fi element's cost, much of it spent checking again values a submission repeats endlessly
(codes, school years, credits, dates). Here each field is checked by its own field's schema (the
model's own type, through a ``TypeAdapter``), and a value's result is remembered per field, so a value
seen before costs a dictionary hit; then the model's rules across fields run on the row. Whatever is
not the common case — a field that fails, a missing or unknown column, a rule across fields that
refuses the row, a model with validators this module does not know — goes to ``validate_row``, so a
refused row gets exactly its Problem, and an accepted row is the same row (a unit test compares both
on valid and broken rows of every family).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from connectors.limits import Text, rules_of
from connectors.mde.rows import Problem, Row, RowContext, validate_row

_MEMO_SIZE = 50_000
"""Values remembered per field: a bound against a submission of endless distinct values."""

_KNOWN_VALIDATORS = {"_across_fields"}
"""The model validators this module replays (``Row._across_fields``); a model with others is checked
by pydantic whole."""


class _Model:
    """One model's fields, split into those any text passes and those checked by their own schema."""

    def __init__(self, model: type[Row]) -> None:
        self.model = model
        decorators = model.__pydantic_decorators__
        self.fast = (
            set(decorators.model_validators) <= _KNOWN_VALIDATORS
            and not decorators.field_validators
            and not decorators.validators
            and not decorators.root_validators
            and model.model_config.get("extra") == "forbid"
        )
        self.template: dict[str, Any] = {}
        self.required: frozenset[str] = frozenset(n for n, f in model.model_fields.items() if f.is_required())
        self.adapters: dict[str, TypeAdapter[Any]] = {}
        self.memos: dict[str, dict[str, Any]] = {}
        self.texts: dict[str, Text] = {}
        for name, info in model.model_fields.items():
            self.template[name] = None if info.is_required() else info.default
            rules = rules_of(info.annotation, info.metadata)
            if len(rules) == 1 and isinstance(rules[0], Text):
                self.texts[name] = rules[0]
                continue
            annotation: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            self.adapters[name] = TypeAdapter(annotation)
            self.memos[name] = {}
        # Only worth it where pydantic calls back into Python for a field (school years, decimals'
        # scale): elsewhere pydantic-core checks a row faster than a Python loop over its fields
        # (measured per family on 82,856 elements: course rows 10.2 -> 5.4 µs; student, enrollment and
        # assessment rows 3.7-5.9 µs with pydantic, 4.6-6.9 µs this way).
        self.fast = self.fast and any(_calls_python(a.core_schema) for a in self.adapters.values())

    def values(self, fields: dict[str, str]) -> dict[str, Any] | None:
        """Every field's value, in the model's order; None if any is not the common case."""
        values = self.template.copy()
        memos = self.memos
        for name, text in fields.items():
            if name not in values or type(text) is not str:
                return None  # an unknown column, or not text: pydantic says what is wrong
            memo = memos.get(name)
            if memo is None:
                rule = self.texts.get(name)
                if rule is not None and rule.problem(text) is not None:
                    return None  # over its limit, or a control character: pydantic says which
                values[name] = text
                continue
            found = memo.get(text, memo)
            if found is memo:
                try:
                    found = self.adapters[name].validate_python(text)
                except ValidationError:
                    return None
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[text] = found
            values[name] = found
        if not self.required <= fields.keys():
            return None
        return values


class RowChecker:
    """``check(model, fields, context)``: what ``validate_row`` gives, sooner for the common case."""

    def __init__(self) -> None:
        self._models: dict[type[Row], _Model] = {}

    def check(self, model: type[Row], fields: dict[str, str], context: RowContext) -> Row | Problem:
        known = self._models.get(model)
        if known is None:
            known = self._models[model] = _Model(model)
        values = known.values(fields) if known.fast else None
        if values is None:
            return validate_row(model, fields, context)
        if values["action"] != "D":  # Row._across_fields: what a consolidated record needs
            for name in model.REQUIRED:
                if values[name] is None:
                    return validate_row(model, fields, context)
        # As model_construct does (without its per-call default handling): the values are checked.
        row = model.__new__(model)
        _set(row, "__dict__", values)
        _set(row, "__pydantic_fields_set__", set(fields))
        _set(row, "__pydantic_extra__", None)
        _set(row, "__pydantic_private__", None)
        try:
            row.check(context)  # the model's own rules across fields
        except PydanticCustomError:
            return validate_row(model, fields, context)
        return row


_set = object.__setattr__


def _calls_python(schema: Any) -> bool:
    """Whether a core schema runs a Python function (a ``function-*`` schema) anywhere in it."""
    if isinstance(schema, dict):
        if str(schema.get("type", "")).startswith("function-"):
            return True
        return any(_calls_python(v) for v in schema.values())
    if isinstance(schema, list | tuple):
        return any(_calls_python(v) for v in schema)
    return False
