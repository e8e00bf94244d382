"""The connector's rules, applied by the hub to every record it decodes.

A state may write its records topic with its own Kafka client (its credentials allow it), so the hub
cannot trust that the MDE or Ed-Fi connector checked a record: a 6,000-letter id breaks a btree
index, a NUL breaks PostgreSQL, a ``move_to_state`` of ``tx.acks`` names a topic nobody should write.
The checks here are built from the row models' own field rules (``connectors.mde.rows``, whose types
carry ``connectors.limits`` rules) and run their rules across fields (``Row.broken``): one source of
truth, two forms (a CSV cell there, a decoded Avro value here).

Speed: the hub applies about 10,000 records a second, so the check must cost a few microseconds:
each family's check is compiled once into straight-line code that tests every field inline (a
length and a C scan for printable text, a set look-up, a comparison) and calls a rule only for a
value that fails that quick test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.limits import EARLIEST_SOURCE_TS, SOURCE_TS_AHEAD, Rule, SourceTime, rules_of
from connectors.mde.fields import ENVELOPE
from connectors.mde.rows import ROW_MODELS, Row


@dataclass(frozen=True, slots=True)
class Violation:
    """Why a record is refused: the first bad field and every reason (field, rule and limit, no value)."""

    field: str | None
    reason: str


class _Family:
    """One record family's check: a function compiled once from its fields' rules."""

    def __init__(self, model: type[Row]) -> None:
        self.model = model
        rules: dict[str, Rule] = {name: rule for name, rule in ENVELOPE.items() if name != "source_ts"}
        for name, info in model.model_fields.items():
            found = rules_of(info.annotation, info.metadata)
            if len(found) != 1:
                raise TypeError(f"{model.__name__}.{name} has {len(found)} rules: the hub cannot check it")
            rules[name] = found[0]
        self.rules = rules
        self.fields = _compile(model.FAMILY, rules)
        source_ts = ENVELOPE["source_ts"]
        assert isinstance(source_ts, SourceTime)
        self.source_ts = source_ts

    def problems(self, value: Mapping[str, Any], now: datetime) -> list[tuple[str, str]]:
        found = self.fields(value)
        stamp = value["source_ts"]
        if not EARLIEST_SOURCE_TS <= stamp <= now + SOURCE_TS_AHEAD:  # the quick test; the rule says why
            problem = self.source_ts.problem(stamp) or self.source_ts.ahead(stamp, now)
            if problem is not None:
                found.append(("source_ts", problem))
        if not found:  # as in the connector: the rules across fields once the fields are valid
            broken = self.model.broken(value, stamp.date())
            if broken is not None:
                found.append((broken.column, broken.rule))
        return found


def _compile(family: str, rules: dict[str, Rule]) -> Callable[[Mapping[str, Any]], list[tuple[str, str]]]:
    """``check(value) -> [(field, problem)]``, one straight run of inlined quick tests, one per field
    (each rule's ``suspect``), calling a rule's ``problem`` only when its quick test fails. A loop
    over the fields calling each rule cost 8 µs a record; this, about a quarter of that."""
    namespace: dict[str, Any] = {}
    lines = ["def check(value):", "    found = []"]
    for i, (name, rule) in enumerate(rules.items()):
        expression, names = rule.suspect("v", f"c{i}")
        namespace.update(names)
        namespace[f"p{i}"] = rule.problem
        lines += [
            f"    v = value[{name!r}]",
            f"    if v is not None and {expression}:",
            f"        p = p{i}(v)",
            "        if p is not None:",
            f"            found.append(({name!r}, p))",
        ]
    lines.append("    return found")
    # Generated from the rules' own expressions and the field names of our row models, never from input.
    exec(compile("\n".join(lines), f"<record check {family}>", "exec"), namespace)  # noqa: S102
    check: Callable[[Mapping[str, Any]], list[tuple[str, str]]] = namespace["check"]
    return check


class RecordCheck:
    """``check(schema_name, value, now)``: None for a record the hub may apply, else the Violation."""

    def __init__(self, models: tuple[type[Row], ...] = ROW_MODELS) -> None:
        self._families = {model.FAMILY: _Family(model) for model in models}

    def check(self, schema_name: str, value: Mapping[str, Any], now: datetime) -> Violation | None:
        family = self._families.get(schema_name)
        if family is None:
            return Violation(None, f"schema {schema_name} is not a record family")
        found = family.problems(value, now)
        if not found:
            return None
        return Violation(found[0][0], "; ".join(f"{name} {problem}" for name, problem in found))


_DEFAULT: RecordCheck | None = None


def default_check() -> RecordCheck:
    """The check of the package's own row models, built once (on first use, not at import)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = RecordCheck()
    return _DEFAULT
