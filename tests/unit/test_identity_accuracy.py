"""The accuracy benchmark's wiring: each method configured from the data alone, figures deterministic."""

import pytest

from hub.bench.identity_accuracy import methods, synthetic
from hub.identity.matcher import Thresholds


def test_synthetic_methods_take_the_first_name_rule_from_the_data_and_repeat_exactly():
    stored, incoming = synthetic(101, 300)  # the training seed
    said: list[str] = []
    first = methods(stored, incoming, Thresholds(), said.append, splink=False, random_pairs=5_000)
    assert [f.method for f in first] == [
        "hub matcher, hand-set weights (first-name rule on)",
        "hub matcher, m/u fitted by EM (first-name rule on)",
        "hub model, fitted from the data (first-name rule on)",
        "hub model, fitted, after 200 data-admin decisions (first-name rule on)",
    ]
    assert any("rule on" in s for s in said)
    hand = first[0]
    assert hand.true_matches > 200 and hand.precision >= 0.99 and hand.recall >= 0.9
    model, taught = first[2], first[3]
    assert taught.precision >= 0.99 and taught.recall >= 0.95
    assert model.precision >= 0.99 and model.recall >= 0.95
    assert set(model.notes["missed"]) == {"blocking", "below lower", "worklist", "rule", "ambiguous", "wrong child"}
    assert sum(model.notes["missed"].values()) == pytest.approx(1 - model.recall, abs=1e-3)
    again = methods(stored, incoming, Thresholds(), said.append, splink=False, random_pairs=5_000)
    assert [f.as_dict() | {"seconds": 0} for f in again] == [f.as_dict() | {"seconds": 0} for f in first]
