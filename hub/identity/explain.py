"""A decision's reasons, as people read them: which fields agreed or disagreed, each one's weight
under the model version that decided, and the name-frequency adjustment where one applied.

The matcher writes its reasons as text (``model.Agreement``: ``first name: exact +7.2 (name
frequency +0.8)``), kept with the identity event and the worklist item; this reads them back into
rows. Reasons name fields, levels and weights, never a name or a date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

_NUMBER = r"[+-]\d+(?:\.\d+)?"
_PART = re.compile(
    rf"^(?P<field>[a-z ]+): (?P<level>[a-z]+) (?P<weight>{_NUMBER})(?: \(name frequency (?P<tf>{_NUMBER})\))?$"
)
_VERSION = re.compile(r"^model v(\d+)$")
_SCORE = re.compile(rf"score ({_NUMBER})")


@dataclass(frozen=True, slots=True)
class FieldWeight:
    field: str
    level: str
    weight: float
    tf: float | None
    """the name-frequency adjustment included in ``weight``, where one applied"""

    @property
    def agreed(self) -> bool:
        return self.weight > 0


@dataclass(frozen=True, slots=True)
class Explanation:
    decision: str
    model_version: int | None
    score: float | None
    fields: tuple[FieldWeight, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "model_version": self.model_version,
            "score": self.score,
            "fields": [asdict(f) | {"agreed": f.agreed} for f in self.fields],
        }


def explain(reasons: Sequence[str], score: float | None = None, version: int | None = None) -> Explanation:
    """``reasons`` as the matcher wrote them (the first the decision). ``score`` and ``version``
    where the reasons do not say, as for a worklist item's candidate (the item's reasons name the
    model version)."""
    decision, fields = "", []
    for i, reason in enumerate(reasons):
        part, ver = _PART.match(reason), _VERSION.match(reason)
        if ver:
            version = int(ver.group(1))
        elif part:
            tf = part.group("tf")
            fields.append(
                FieldWeight(
                    part.group("field"),
                    part.group("level"),
                    float(part.group("weight")),
                    None if tf is None else float(tf),
                )
            )
        elif i == 0:
            decision = reason
    found = _SCORE.search(decision)
    return Explanation(decision, version, score if found is None else float(found.group(1)), tuple(fields))


def split_reason(reason: str) -> list[str]:
    """An identity event's reason is the decision's reasons joined by ``; ``."""
    return [r for r in reason.split("; ") if r]
