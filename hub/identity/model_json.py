"""A model as JSON, the form the store keeps it in (``identity_model.parameters``) and back.

Only numbers and names: each field's m and u by level, the names' frequencies, whether the
first-name rule holds, and what the fit saw (counts). The comparisons themselves are code: a
stored model names its fields, and a field or level the code no longer has is refused; a level the
code gained since the fit takes the prior's m and u.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.errors import UserInputError
from hub.identity.model import FIELDS, Field, Model
from hub.identity.tf import TermFrequencies

FORMAT = 1


def to_json(model: Model, trained_on: Mapping[str, int] | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "fields": {f.name: {lvl: [m, u] for lvl, (m, u) in f.levels.items()} for f in model.fields},
        "tf": model.tf.as_json(),
        "first_name_rule": model.first_name_rule,
        "trained_on": dict(trained_on or {}),
    }


def from_json(data: Mapping[str, Any], version: int) -> Model:
    if data.get("format") != FORMAT:
        raise UserInputError(f"identity model v{version}: unknown format {data.get('format')!r}")
    stored = data["fields"]
    fields: list[Field] = []
    for f in FIELDS:
        levels = stored.get(f.name)
        if levels is None or not set(levels) <= set(f.levels):
            raise UserInputError(f"identity model v{version}: field {f.name!r} differs from the code's")
        # A level the code gained since the fit (``crossed``, 2026-12-07) takes the prior's m and u
        # until the next ``msix identity fit``: a worker upgraded before the refit still starts.
        fields.append(
            f.with_levels(
                {
                    lvl: (float(levels[lvl][0]), float(levels[lvl][1])) if lvl in levels else f.levels[lvl]
                    for lvl in f.levels
                }
            )
        )
    return Model(tuple(fields), TermFrequencies.from_json(data["tf"]), version, bool(data["first_name_rule"]))
