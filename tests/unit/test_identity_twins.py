"""The first-name rule's policy: on where a source's own records show twins' look-alikes."""

from datetime import date

import pytest

from hub.domain.identity import facts_from_fields
from hub.identity.twins import TWIN_FLOOR, first_name_rule, lookalike_share


def child(n, first, born=date(2012, 5, 6), last="Ramírez", state="TX", **over):
    fields = {"first_name": first, "last_name_1": last, "birth_date": born, "sex": "M"} | over
    return facts_from_fields(state, f"{state}{n}", fields)


def unrelated(count):
    """Different surnames and dates: no two of them look alike."""
    return [child(i, "Juan", date(2000 + i % 20, 1, 1 + i % 28), f"S{i}") for i in range(count)]


@pytest.mark.parametrize(
    ("records", "share"),
    [
        ([], 0.0),
        ([child(1, "José"), child(2, "Jesús")], 1.0),  # twins
        ([child(1, "José"), child(2, "José")], 0.0),  # the same name: a duplicate, not a twin
        ([child(1, "José"), child(2, "Jesús", born=date(2012, 5, 7))], 0.0),  # another day: siblings
        ([child(1, "José"), child(2, "Jesús", last="López")], 0.0),  # other surnames
        ([child(1, "José"), child(2, "Jesús", state="MI")], 0.0),  # two states: maybe one child
        ([child(1, "José"), child(2, "Jesús", born=None)], 0.0),  # no date: nothing to tell
        ([child(1, "José", last_name_2="López"), child(2, "Jesús", last="López", last_name_2="Ramírez")], 1.0),
        ([child(1, "José"), child(2, "Jesús"), child(3, "Ana", born=date(2014, 1, 2))], 2 / 3),
    ],
)
def test_lookalike_share(records, share):
    assert lookalike_share(records) == pytest.approx(share)


def test_rule_on_for_children_with_twins_off_for_unrelated_people():
    people = unrelated(1000)
    assert lookalike_share(people) == 0 and not first_name_rule(people)
    twins = [child(5000, "Ana", date(2011, 2, 3), "Pérez"), child(5001, "Luz", date(2011, 2, 3), "Pérez")]
    assert not first_name_rule(people[:1000] + twins[:1])
    # one pair in 400 records (1 record in 200 has a look-alike): twins worth guarding against
    assert first_name_rule(people[:398] + twins)
    assert lookalike_share(people[:398] + twins) >= TWIN_FLOOR
