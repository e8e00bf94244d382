"""What a state writing its topic in another language reads: docs/limits.md and the schemas' field
docs say exactly the limits the connector and the hub enforce, and the docs leave fingerprints alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import schemas
from connectors.limits_table import LIMIT, SCHEMA_FILES, field_rules, markdown, with_limit
from connectors.mde.rows import ROW_MODELS, Row

ROOT = Path(__file__).resolve().parents[2]


def test_docs_limits_md_holds_the_generated_table() -> None:
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    assert markdown() in text, "regenerate it: python -m connectors.limits_table"


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_every_avsc_field_doc_ends_with_its_limit(model: type[Row]) -> None:
    schema = json.loads((ROOT / "schemas" / SCHEMA_FILES[model.FAMILY]).read_text(encoding="utf-8"))
    rules = dict(field_rules(model))
    for field in schema["fields"]:
        assert field["doc"] == with_limit(field["doc"], rules[field["name"]]), field["name"]
        assert field["doc"].count(LIMIT) == 1


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_the_docs_change_no_fingerprint(model: type[Row]) -> None:
    registry = schemas.default_registry()
    current = registry.current(model.FAMILY)
    assert current.fingerprint in {v.fingerprint for v in registry.history(model.FAMILY)}
