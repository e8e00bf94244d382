"""Can a reader with one schema read data written with another? The Avro spec's resolution rules.

`check_compatibility(reader, writer)` returns human-readable problems, empty when every datum the
writer can produce resolves against the reader:

- records match by unqualified name (or a reader alias); fields by name (or a reader field alias);
  a reader field the writer lacks needs a default that fits its type; writer-only fields are skipped;
- enums match by name; every writer symbol must be a reader symbol unless the reader has a default;
- fixed match by name and size; arrays by items; maps by values;
- promotions: int -> long, float, double; long -> float, double; float -> double; string <-> bytes;
- a writer union needs every branch readable; a reader union needs a branch for the writer's type;
- decimals match only with the same precision and scale (spec). Stricter than the spec on purpose:
  any other change of logical type (``int`` -> ``int``/``date``) is reported, because it changes
  what a stored value means although it still decodes.

Schemas are given in their JSON form (str, list or dict), as loaded from an `.avsc` file; one that is
not valid Avro (an unknown type name...) raises `SchemaError`.
"""

from __future__ import annotations

from typing import Any

from schemas.errors import SchemaError

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})
PROMOTIONS = frozenset(
    {
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
        ("string", "bytes"),
        ("bytes", "string"),
    }
)
"""(writer type, reader type) pairs the spec lets a reader promote."""

Schema = Any


def check_compatibility(reader: Schema, writer: Schema) -> list[str]:
    """Problems of reading data written with `writer` using `reader`; empty when compatible."""
    return _Checker(reader, writer).run()


def check_full_compatibility(old: Schema, new: Schema) -> list[str]:
    """Both directions: new readers on old data and old readers on new data."""
    return [f"new reader, old data: {p}" for p in check_compatibility(new, old)] + [
        f"old reader, new data: {p}" for p in check_compatibility(old, new)
    ]


def _normalize(schema: Schema, namespace: str, names: dict[str, Any]) -> Schema:
    """Full names everywhere, named types registered in `names`, ``{"type": "int"}`` as ``"int"``."""
    if isinstance(schema, str):
        return schema if schema in PRIMITIVES else _full_name(schema, namespace)
    if isinstance(schema, list):
        return [_normalize(branch, namespace, names) for branch in schema]
    if not isinstance(schema, dict):
        raise SchemaError(f"not an Avro schema: {schema!r}")
    kind = schema.get("type")
    if kind in NAMED:
        full = _full_name(schema["name"], schema.get("namespace", namespace))
        inner = full.rpartition(".")[0]
        node = {k: v for k, v in schema.items() if k != "namespace"}
        node["name"] = full
        node["aliases"] = [_full_name(a, inner) for a in schema.get("aliases", [])]
        names[full] = node  # before the fields: a record may refer to itself
        if kind in ("record", "error"):
            node["fields"] = [{**field, "type": _normalize(field["type"], inner, names)} for field in schema["fields"]]
        return node
    if kind == "array":
        return {**schema, "items": _normalize(schema["items"], namespace, names)}
    if kind == "map":
        return {**schema, "values": _normalize(schema["values"], namespace, names)}
    if isinstance(kind, str) and kind in PRIMITIVES:
        return dict(schema) if "logicalType" in schema else kind
    return _normalize(kind, namespace, names)


def _full_name(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _short(name: str) -> str:
    return name.rpartition(".")[2]


def _kind(schema: Schema) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    return "record" if schema["type"] == "error" else str(schema["type"])


def _logical(schema: Schema) -> str | None:
    return schema.get("logicalType") if isinstance(schema, dict) else None


def _describe(schema: Schema) -> str:
    if isinstance(schema, list):
        return "union [" + ", ".join(_describe(b) for b in schema) + "]"
    kind = _kind(schema)
    if kind in NAMED or kind == "record":
        return f"{kind} {_short(schema['name'])}"
    if kind == "array":
        return f"array<{_describe(schema['items'])}>"
    if kind == "map":
        return f"map<{_describe(schema['values'])}>"
    logical = _logical(schema)
    return f"{kind} ({logical})" if logical else kind


class _Checker:
    def __init__(self, reader: Schema, writer: Schema) -> None:
        self.reader_names: dict[str, Any] = {}
        self.writer_names: dict[str, Any] = {}
        self.reader = _normalize(reader, "", self.reader_names)
        self.writer = _normalize(writer, "", self.writer_names)
        self.problems: list[str] = []
        self.seen: set[tuple[str, str]] = set()

    def run(self) -> list[str]:
        self.check(self.reader, self.writer, "")
        return self.problems

    def deref(self, schema: Schema, names: dict[str, Any]) -> Schema:
        if isinstance(schema, str) and schema not in PRIMITIVES:
            if schema not in names:
                raise SchemaError(f"unknown type name {schema!r}")
            return names[schema]
        return schema

    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<root>'}: {message}")

    def check(self, reader: Schema, writer: Schema, path: str) -> None:
        reader = self.deref(reader, self.reader_names)
        writer = self.deref(writer, self.writer_names)
        if isinstance(writer, list):
            for branch in writer:
                self.check_writer_branch(reader, branch, path)
        elif isinstance(reader, list):
            branch = self.pick_branch(reader, writer)
            if branch is None:
                self.report(path, f"the reader's {_describe(reader)} has no branch for {_describe(writer)}")
            else:
                self.check(branch, writer, path)
        else:
            self.check_single(reader, writer, path)

    def check_writer_branch(self, reader: Schema, branch: Schema, path: str) -> None:
        branch = self.deref(branch, self.writer_names)
        if isinstance(reader, list) and self.pick_branch(reader, branch) is None:
            self.report(path, f"the writer's {_describe(branch)} has no branch in the reader's {_describe(reader)}")
        elif not isinstance(reader, list) and not self.matches(reader, branch):
            self.report(path, f"the writer's union branch {_describe(branch)} cannot be read as {_describe(reader)}")
        else:
            self.check(reader, branch, path)

    def pick_branch(self, union: list[Schema], writer: Schema) -> Schema | None:
        """The spec's choice: the first reader branch that matches, an exact kind before a promotion."""
        branches = [self.deref(b, self.reader_names) for b in union]
        for exact in (True, False):
            for branch in branches:
                if self.matches(branch, writer, exact_only=exact):
                    return branch
        return None

    def matches(self, reader: Schema, writer: Schema, exact_only: bool = False) -> bool:
        """Shallow match: same kind (and name for named types), or a promotion."""
        rk, wk = _kind(reader), _kind(writer)
        if rk != wk:
            return not exact_only and (wk, rk) in PROMOTIONS
        if rk in ("record", "enum", "fixed"):
            return self.same_name(reader, writer)
        return True

    def same_name(self, reader: dict[str, Any], writer: dict[str, Any]) -> bool:
        wanted = _short(writer["name"])
        return wanted == _short(reader["name"]) or wanted in {_short(a) for a in reader.get("aliases", [])}

    def check_single(self, reader: Schema, writer: Schema, path: str) -> None:
        rk, wk = _kind(reader), _kind(writer)
        if rk != wk and (wk, rk) not in PROMOTIONS:
            self.report(path, f"the reader expects {_describe(reader)}, the writer has {_describe(writer)}")
            return
        self.check_logical(reader, writer, path)
        if rk != wk:
            return
        if rk in ("record", "enum", "fixed") and not self.same_name(reader, writer):
            self.report(path, f"named types differ: reader {reader['name']}, writer {writer['name']}")
        elif rk == "record":
            self.check_record(reader, writer, path)
        elif rk == "enum":
            self.check_enum(reader, writer, path)
        elif rk == "fixed" and reader["size"] != writer["size"]:
            self.report(path, f"fixed size changes from {writer['size']} to {reader['size']}")
        elif rk == "array":
            self.check(reader["items"], writer["items"], f"{path or '<root>'}[]")
        elif rk == "map":
            self.check(reader["values"], writer["values"], f"{path or '<root>'}{{}}")

    def check_logical(self, reader: Schema, writer: Schema, path: str) -> None:
        rl, wl = _logical(reader), _logical(writer)
        if rl != wl:
            self.report(path, f"logical type changes from {wl or 'none'} to {rl or 'none'}")
        elif rl == "decimal":
            for key, default in (("precision", None), ("scale", 0)):
                if reader.get(key, default) != writer.get(key, default):
                    before, after = writer.get(key, default), reader.get(key, default)
                    self.report(path, f"decimal {key} changes from {before} to {after}")

    def check_record(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> None:
        pair = (reader["name"], writer["name"])
        if pair in self.seen:  # a recursive type: already being checked further up
            return
        self.seen.add(pair)
        base = path or _short(reader["name"])
        written = {field["name"]: field for field in writer["fields"]}
        for field in reader["fields"]:
            where = f"{base}.{field['name']}"
            source = next((written[n] for n in [field["name"], *field.get("aliases", [])] if n in written), None)
            if source is not None:
                self.check(field["type"], source["type"], where)
            elif "default" not in field:
                self.report(where, "the writer has no such field and the reader gives no default")
            elif not self.fits(field["type"], field["default"]):
                self.report(where, f"the default {field['default']!r} does not fit {_describe(field['type'])}")

    def check_enum(self, reader: dict[str, Any], writer: dict[str, Any], path: str) -> None:
        missing = [s for s in writer["symbols"] if s not in reader["symbols"]]
        if missing and "default" not in reader:
            self.report(path, f"enum symbols {', '.join(missing)} are written but unknown to the reader")

    def fits(self, schema: Schema, value: Any) -> bool:
        """Is `value` a valid JSON default for `schema`? (A union's default fits its first branch.)"""
        schema = self.deref(schema, self.reader_names)
        kind = _kind(schema)
        if kind == "union":
            return bool(schema) and self.fits(schema[0], value)
        checks: dict[str, Any] = {
            "null": lambda v: v is None,
            "boolean": lambda v: isinstance(v, bool),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "bytes": lambda v: isinstance(v, str),
            "string": lambda v: isinstance(v, str),
            "enum": lambda v: v in schema["symbols"],
            "fixed": lambda v: isinstance(v, str) and len(v) == schema["size"],
            "array": lambda v: isinstance(v, list) and all(self.fits(schema["items"], i) for i in v),
            "map": lambda v: isinstance(v, dict) and all(self.fits(schema["values"], i) for i in v.values()),
            "record": lambda v: (
                isinstance(v, dict)
                and all(
                    self.fits(f["type"], v[f["name"]]) if f["name"] in v else "default" in f for f in schema["fields"]
                )
            ),
        }
        check = checks.get(kind)
        return bool(check and check(value))
