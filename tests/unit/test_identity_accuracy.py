"""The accuracy benchmark's wiring: each method configured from the data alone, figures deterministic."""

from datetime import date

import pytest

from hub.bench.identity_accuracy import Record, methods, run_matcher, synthetic
from hub.domain.identity import facts_from_fields
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


def test_blocking_loss_is_also_counted_over_the_records_the_connector_accepts():
    def record(uid: str, entity: str, source: str, **fields: object) -> Record:
        return Record(uid, entity, source, facts_from_fields(source, uid, fields))

    born = date(2012, 3, 4)
    stored = [
        record("a1", "1", "TX", first_name="Rosa", last_name_1="Parra", birth_date=born, sex="F"),
        record("a2", "2", "TX", first_name="Abby", last_name_1="Drechsler", birth_date=born, sex="F"),
        record("a3", "3", "TX", first_name="Juan", last_name_1="Soto", birth_date=date(2010, 1, 2), sex="M"),
    ]
    incoming = [
        record("b1", "1", "CA", first_name="Rosa", last_name_1="Parra", birth_date=born, sex="F"),
        # No birth date (the connector refuses it) and both names mistyped: no key in common.
        record("b2", "2", "CA", first_name="Xbby", last_name_1="Zrechsler", sex="F"),
        # Accepted, but its surname and date replaced: no key in common either.
        record("b3", "3", "CA", first_name="Qjuan", last_name_1="Vargas", birth_date=date(2001, 9, 8), sex="M"),
    ]
    fig = run_matcher(stored, incoming, Thresholds())
    assert fig.notes["missed"]["blocking"] == pytest.approx(2 / 3, abs=1e-4)
    assert fig.notes["blocking_of_accepted"] == pytest.approx(1 / 2, abs=1e-4)
