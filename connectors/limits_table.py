"""The limits in words, from the rules themselves: the table of ``docs/limits.md`` and the ``doc`` of
each field in ``schemas/*.avsc`` (a unit test keeps both equal to what this module writes).

``python -m connectors.limits_table`` prints the table; ``--avsc`` rewrites the schemas' field docs
(a doc is not in Avro's Parsing Canonical Form: no fingerprint changes).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from connectors.limits import Rule, rules_of
from connectors.mde.fields import ENVELOPE
from connectors.mde.rows import ROW_MODELS, Row

SCHEMA_FILES = {
    "StudentIdentity": "student_identity.avsc",
    "Enrollment": "enrollment.avsc",
    "Course": "course.avsc",
    "Assessment": "assessment.avsc",
}
LIMIT = "Limit: "
"""What starts the limit's sentence in a field's doc."""


def field_rules(model: type[Row]) -> Iterator[tuple[str, Rule]]:
    """Every Avro field of the model's family and its rule, in the schema's order."""
    yield from ((name, rule) for name, rule in ENVELOPE.items() if name != "source_ts")
    yield "source_ts", ENVELOPE["source_ts"]
    for name, info in model.model_fields.items():
        yield name, rules_of(info.annotation, info.metadata)[0]


def markdown() -> str:
    lines = ["| family | field | limit |", "|---|---|---|"]
    for model in ROW_MODELS:
        for name, rule in field_rules(model):
            lines.append(f"| {model.FAMILY} | `{name}` | {_cell(rule)} |")
    return "\n".join(lines) + "\n"


def _cell(rule: Rule) -> str:
    return rule.describe().replace("|", "\\|")


def with_limit(doc: str | None, rule: Rule) -> str:
    """A field's doc with its limit as the last sentence (replacing an older one)."""
    kept = (doc or "").split(LIMIT)[0].strip()
    sentence = f"{LIMIT}{rule.describe()}."
    return f"{kept} {sentence}" if kept else sentence


def rewrite_avsc(folder: Path) -> None:
    for model in ROW_MODELS:
        path = folder / SCHEMA_FILES[model.FAMILY]
        schema = json.loads(path.read_text(encoding="utf-8"))
        rules = dict(field_rules(model))
        for field in schema["fields"]:
            field["doc"] = with_limit(field.get("doc"), rules[field["name"]])
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--avsc"]:
        rewrite_avsc(Path(__file__).resolve().parents[1] / "schemas")
    else:
        sys.stdout.write(markdown())
