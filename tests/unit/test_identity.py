from datetime import date

import pytest

from hub.domain.identity import Candidate, ExactMatcher, facts_from_fields, normalize_name

BASE = {
    "first_name": "José",
    "last_name_1": "Ramírez",
    "last_name_2": "López",
    "birth_date": date(2010, 3, 14),
    "sex": "M",
    "multiple_birth": "N",
}


@pytest.mark.parametrize(
    ("raw", "expect"),
    [
        ("José", "JOSE"),
        ("Ramírez-López", "RAMIREZLOPEZ"),
        ("  de la Cruz ", "DELACRUZ"),
        ("Ñúñez", "NUNEZ"),
        ("O'Brien", "OBRIEN"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalize_name(raw, expect):
    assert normalize_name(raw) == expect


def facts(state="MI", ssid="M1", **over):
    return facts_from_fields(state, ssid, BASE | over)


@pytest.mark.parametrize(
    ("incoming", "candidate", "linked", "why"),
    [
        (facts(), facts("TX", "T1"), True, "same child, accents dropped in one state"),
        (facts(first_name="Jose", last_name_1="Ramirez"), facts("TX", "T1"), True, "accents only"),
        (facts(), facts("MI", "M9"), False, "same state, other id: not linked across states"),
        (facts(first_name="Juan"), facts("TX", "T1"), False, "other first name"),
        (facts(birth_date=date(2010, 3, 15)), facts("TX", "T1"), False, "other birth date"),
        (facts(sex="F"), facts("TX", "T1"), False, "other sex"),
        (facts(first_name="Juan", multiple_birth="Y"), facts("TX", "T1", multiple_birth="Y"), False, "twin"),
        (facts(birth_date=None), facts("TX", "T1"), False, "missing birth date: no key"),
    ],
)
def test_exact_matcher(incoming, candidate, linked, why):
    m = ExactMatcher()
    decision = m.decide(incoming, [Candidate("100000000017", candidate)])
    assert (decision.msix_id == "100000000017") is linked, why
    assert decision.reasons


def test_ambiguous_exact_match_is_not_linked():
    m = ExactMatcher()
    decision = m.decide(facts(), [Candidate("A", facts("TX", "T1")), Candidate("B", facts("FL", "F1"))])
    assert decision.msix_id is None
    assert "2 children" in decision.reasons[0]


def test_blocking_key_needs_the_four_facts():
    m = ExactMatcher()
    assert m.blocking_keys(facts()) == ["JOSE|RAMIREZ|2010-03-14|M"]
    assert m.blocking_keys(facts(sex=None)) == []
