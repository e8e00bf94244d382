"""Whether a data source holds twins the first-name rule must guard against, judged from its records.

The matcher never links two records whose first names disagree (``matcher``): two children of one
multiple birth that no state flagged look exactly like that, with surnames, birth date, parents and
birthplace alike. The rule costs the true matches whose first names disagree (a middle name given
as the first, a compound name cut to different words, a nickname the table lacks), so it is worth its
cost only where such twins exist.

A source's own records tell: a state reports each child once, so two of its records with the same
birth date and surnames but different first names are two children born together. A source
seen to hold one child under several ids is no such witness (``training.holds_duplicates``): its
duplicates under another first name would pass for twins. ``lookalike_share`` is the share of
records that have such a look-alike in the same source; the rule is on where it reaches
``TWIN_FLOOR``. School children are about 3% twins, so a state's records show look-alikes at about
that rate (the benchmark's synthetic states 4.2%: twins, and namesakes born on one day); a register
of unrelated people shows next to none (FEBRL 4: 0.04%, one pair in 5,000 records), and there a
different first name is a typist's or a clerk's difference. No truth is needed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from hub.domain.identity import IdentityFacts
from hub.identity.features import prepare

# One record in 200 with a look-alike: a sixth of the share of twins among children (about 3% of US
# births), far above chance agreement on a birth date and surnames among unrelated people.
TWIN_FLOOR = 0.005


def lookalike_share(records: Iterable[IdentityFacts]) -> float:
    """The share of records with another record of the same source, birth date and surnames and
    another first name. Records without a birth date or surname count in the total only."""
    groups: dict[tuple[str, object, tuple[str, ...]], set[str]] = defaultdict(set)
    members: dict[tuple[str, object, tuple[str, ...]], int] = defaultdict(int)
    total = 0
    for facts in records:
        total += 1
        f = prepare(facts)
        if f.birth is None or not f.surnames or not f.first:
            continue
        key = (facts.state, f.birth, tuple(sorted(f.surnames)))
        groups[key].add(f.first)
        members[key] += 1
    if not total:
        return 0.0
    return sum(members[k] for k, names in groups.items() if len(names) > 1) / total


def first_name_rule(records: Iterable[IdentityFacts], floor: float = TWIN_FLOOR) -> bool:
    """Whether the first-name rule should hold for a source like ``records`` (see the module)."""
    return lookalike_share(records) >= floor
