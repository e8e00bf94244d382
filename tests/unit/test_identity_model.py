"""The fitted model: name frequencies, the household rule, EM with labels, versions as JSON."""

from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest

from hub.bench.identity_accuracy import febrl3, synthetic
from hub.domain.identity import facts_from_fields
from hub.errors import UserInputError
from hub.identity import tf
from hub.identity.features import prepare
from hub.identity.fit import fit
from hub.identity.model import FAMILY_FIELDS, FIELDS, PRIOR, Bounded, Model, household, score
from hub.identity.model_json import from_json, to_json
from hub.identity.training import Decided, fitted, train
from hub.identity.twins import first_name_rule

CHILD = {
    "first_name": "José",
    "middle_name": "",
    "last_name_1": "Ramírez",
    "last_name_2": "López",
    "birth_date": date(2010, 3, 4),
    "sex": "M",
    "birth_city": "Apatzingán",
    "birth_country": "MX",
    "parent1_first_name": "Juan",
    "parent1_last_name": "Ramírez",
}


def features(state="TX", ssid="T1", **over):
    return prepare(facts_from_fields(state, ssid, CHILD | over))


def test_a_common_name_agreeing_says_less_than_a_rare_one():
    names = ["JOSE"] * 50 + ["XOCHITL"] * 3 + [f"N{i}" for i in range(100)]
    freq = tf.count(features(ssid=str(i), first_name=n) for i, n in enumerate(names))
    model = Model(tf=freq)
    common = score(features(), features("MI", "M1"), model)
    rare = score(features(first_name="Xóchitl"), features("MI", "M1", first_name="Xochitl"), model)
    plain = score(features(), features("MI", "M1"))
    c, r, p = (next(x for x in s.parts if x.field == "first name") for s in (common, rare, plain))
    assert c.tf < 0 < r.tf
    assert c.weight < p.weight < r.weight
    assert c.tf >= -tf.CAP and r.tf <= tf.CAP
    assert "name frequency" in str(r) and "XOCHITL" not in str(r)


def test_a_brother_gets_nothing_for_what_the_family_shares():
    brother = features("MI", "M1", first_name="Luis", birth_date=date(2013, 7, 9))
    s = score(features(), brother)
    assert household(tuple(f.name for f in FIELDS), s.levels)
    family = [p for p in s.parts if p.field in ("surnames", "parents", "birthplace")]
    assert family and all(p.weight <= 0 for p in family)
    same_child = score(features(), features("MI", "M1"))
    assert not household(tuple(f.name for f in FIELDS), same_child.levels)
    assert next(p for p in same_child.parts if p.field == "surnames").weight > 0


def test_bounded_scoring_with_name_frequencies_matches_the_full_score():
    stored, incoming = synthetic(11, 150)
    feats = [prepare(r.facts) for r in (*stored, *incoming)]
    model = Model(tf=tf.count(feats))
    bounded = Bounded(model)
    for a, b in [*pairwise(feats), *zip(feats, reversed(feats), strict=True)]:
        full = score(a, b, model)
        got = bounded.at_least(a, b, 10.0)
        assert got == full if got is not None else full.total < 10.0


def _never(a, b):
    raise AssertionError("compared a field the household rule had settled")


def test_a_brother_is_given_up_on_before_what_the_family_shares_is_compared():
    # Another first name and another birth date: surnames, parents and birthplace can only count
    # against (the household rule), so nothing they say can lift the pair; they are not compared.
    unread = tuple(replace(f, compare=_never) if f.name in FAMILY_FIELDS else f for f in FIELDS)
    brother = features("MI", "M1", first_name="Luis", birth_date=date(2013, 7, 9))
    assert score(features(), brother).total < -5.0
    assert Bounded(unread).at_least(features(), brother, -5.0) is None
    # The same child's other report reads every field, and scores as ``score`` does.
    again = features("MI", "M1", first_name="Pepe")
    assert Bounded().at_least(features(), again, 10.0) == score(features(), again)


def test_labels_are_held_at_their_answer():
    agree = ("exact", "both", "exact", "agree", "missing", "city", "name")
    odd = ("swapped", "both", "exact", "agree", "missing", "city", "name")
    randoms = [("disagree", "disagree", "disagree", "agree", "missing", "disagree", "disagree")] * 100
    without = fit([agree] * 50, randoms)
    taught = fit([agree] * 50, randoms, labels=[(odd, True)] * 20)
    assert taught[0].levels["swapped"][0] > without[0].levels["swapped"][0] * 10


def test_em_from_the_data_does_not_take_siblings_for_matches():
    stored, incoming = synthetic(101, 400)
    model, seen = fitted([r.facts for r in (*stored, *incoming)], random_pairs=20_000)
    weights = {f.name: f.weights for f in model.fields}
    # Siblings differ in first name and birth date: both must count firmly against a match.
    assert weights["first name"]["disagree"] < -3 and weights["birth date"]["disagree"] < -3
    assert seen["pairs_of_one_source"] > 0 and seen["candidate_pairs"] > 0
    assert model.first_name_rule  # children: look-alikes in the data


def test_a_source_holding_one_child_under_two_ids_is_not_taken_for_two_children():
    stored, incoming = synthetic(101, 400)
    facts = [r.facts for r in (*stored, *incoming)]
    _, honest = fitted(facts, random_pairs=2_000)
    assert honest["sources_holding_duplicates"] == 0  # siblings and namesakes: not duplicates
    # One state enrolled each of 60 children twice, under two ids.
    twice = [replace(f, state="ZZ", state_student_id=f"Z{n}{copy}") for n, f in enumerate(facts[:60]) for copy in "ab"]
    _, seen = fitted([*facts, *twice], random_pairs=2_000)
    assert seen["sources_holding_duplicates"] == 1
    assert seen["pairs_of_one_source"] == honest["pairs_of_one_source"]


def test_a_duplicate_under_another_first_name_is_not_taken_for_a_twin():
    stored, _ = synthetic(101, 400)
    once = [
        replace(r.facts, state="ZZ", state_student_id=f"Z{n}", multiple_birth=False) for n, r in enumerate(stored[:60])
    ]
    # The state's second copies: ten of them under another first name, as a clerk retyped them.
    again = [replace(f, state_student_id=f"{f.state_student_id}b") for f in once]
    again[:10] = [replace(f, first_name="Zacarías") for f in again[:10]]
    assert first_name_rule([*once, *again])  # read as look-alikes, these would be twins
    model, seen = fitted([*once, *again], random_pairs=2_000)
    assert seen["sources_holding_duplicates"] == 1
    assert not model.first_name_rule


def test_data_admin_decisions_become_labels():
    a, b = features().facts, features("MI", "M1", first_name="Pepito").facts
    _, seen = fitted([a, b], [Decided(a, b, True)], random_pairs=100)
    assert seen["labels"] == 1


def test_model_json_round_trip_and_refusals():
    stored, incoming = synthetic(12, 100)
    model = train([r.facts for r in (*stored, *incoming)], random_pairs=2000, version=3)
    data = to_json(model, {"identities": 1})
    back = from_json(data, 3)
    assert back == model and back.tf == model.tf and back.version == 3
    assert from_json(to_json(PRIOR), 0) == PRIOR
    with pytest.raises(UserInputError, match="format"):
        from_json({**data, "format": 99}, 3)
    broken = {**data, "fields": {k: v for k, v in data["fields"].items() if k != "parents"}}
    with pytest.raises(UserInputError, match="parents"):
        from_json(broken, 3)
    unknown = {**data, "fields": {**data["fields"], "sex": {**data["fields"]["sex"], "maybe": [0.1, 0.1]}}}
    with pytest.raises(UserInputError, match="sex"):
        from_json(unknown, 3)
    # A model fitted before the code gained a level still loads, the level at the prior's weights.
    older = {**data, "fields": {**data["fields"], "first name": dict(data["fields"]["first name"])}}
    del older["fields"]["first name"]["crossed"]
    first = from_json(older, 3).fields[0]
    assert first.levels["crossed"] == PRIOR.fields[0].levels["crossed"]
    assert first.levels["exact"] == model.fields[0].levels["exact"]


def test_a_decision_explained_field_by_field_with_its_model_version():
    from hub.domain.identity import Candidate
    from hub.identity.explain import explain
    from hub.identity.matcher import ProbabilisticMatcher

    names = ["JOSE"] * 50 + [f"N{i}" for i in range(100)]
    model = Model(tf=tf.count(features(ssid=str(i), first_name=n) for i, n in enumerate(names)), version=7)
    decision = ProbabilisticMatcher(model=model).decide(features("MI", "M1").facts, [Candidate("C0", features().facts)])
    why = explain(decision.reasons)
    assert decision.msix_id == "C0" and why.model_version == 7 and why.score == pytest.approx(decision.score, abs=0.05)
    first = next(f for f in why.fields if f.field == "first name")
    assert first.level == "exact" and first.agreed and first.tf is not None and first.tf < 0
    assert next(f for f in why.fields if f.field == "birth date").tf is None
    assert {f.field for f in why.fields} >= {"first name", "surnames", "birth date", "parents"}


def test_every_surname_the_same_never_weighs_less_than_one_in_common():
    """FEBRL 3 has few two-word surnames (MAC KINDER): EM alone put "both" at 5.2 bits, under "one"'s 7.6."""
    stored, incoming = febrl3()
    surnames = next(f for f in train([r.facts for r in (*stored, *incoming)]).fields if f.name == "surnames")
    assert surnames.weights["both"] >= surnames.weights["one"] > 0
