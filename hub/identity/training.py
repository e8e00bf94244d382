"""What a fit learns from, gathered from identities (pure: the store or a benchmark passes them in).

- candidate pairs: each identity against those of other sources it shares a blocking key with (at
  most ``per_key`` a key, none from a key more than ``crowded`` share, as the store's look-up);
  their levels go to EM;
- labels, known without a person: a pair of which one is of a multiple birth and the first names
  are not one name is two children (twins); a data admin's decisions come as ``decided`` pairs;
- pairs of one source, two children by that source's word, unless the source is seen to hold
  duplicates (``holds_duplicates``);
- random pairs for u;
- term frequencies of the names.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.domain.identity import IdentityFacts
from hub.identity import tf, twins
from hub.identity.features import CROWDED, PER_KEY, keys, prepare
from hub.identity.fit import SURNAMES_ALIKE, Label, Vector, fit_sessions
from hub.identity.matcher import SAME_NAME
from hub.identity.model import CHILD_DATE_SILENT, CHILD_NAME_AGREES, PRIOR, Model, levels

RANDOM_PAIRS = 200_000


@dataclass(frozen=True, slots=True)
class Decided:
    """Two identities a data admin said are one child (``same``) or two."""

    a: IdentityFacts
    b: IdentityFacts
    same: bool


def candidate_pairs(
    identities: Sequence[IdentityFacts], per_key: int = PER_KEY, same_source: bool = False, crowded: int = CROWDED
) -> list[tuple[int, int]]:
    """Index pairs (i < j) of identities of two sources (of one, with ``same_source``) that share a
    blocking key."""
    blocks: dict[str, list[int]] = {}
    for i, facts in enumerate(identities):
        for key in keys(facts):
            blocks.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for block in blocks.values():
        if len(block) > crowded:  # a crowded key finds none (``hub.store.identity_match``)
            continue
        block = block[:per_key]
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                if (identities[i].state == identities[j].state) == same_source:
                    pairs.add((i, j) if i < j else (j, i))
    return sorted(pairs)


# A source's two identities are two children by its word: brothers, twins, namesakes; what they
# share teaches the E step what two children look like. A source that holds one child under several
# ids (a state's districts enrolling one child twice; FEBRL 3's duplicates) would teach the
# opposite: that agreeing on everything is what two children do. Such a source shows itself: among
# its own candidate pairs, far more agree on the first name, the birth date and the surnames than
# namesakes do (0.5% in the synthetic states, 49% of FEBRL 3's file of duplicates). Its pairs are
# then not taken as two children.
DUPLICATE_SHARE = 0.1
DUPLICATES_MIN_PAIRS = 50


def looks_like_one_child(vector: Vector, names: tuple[str, ...]) -> bool:
    at = dict(zip(names, vector, strict=True))
    return (
        at.get("first name") in CHILD_NAME_AGREES
        and at.get("birth date") not in CHILD_DATE_SILENT
        and at.get("surnames") in SURNAMES_ALIKE
    )


def holds_duplicates(vectors: Sequence[Vector], names: tuple[str, ...]) -> bool:
    """Whether a source's own candidate pairs (``vectors``) show it holding one child under two ids."""
    if len(vectors) < DUPLICATES_MIN_PAIRS:
        return False
    alike = sum(looks_like_one_child(v, names) for v in vectors)
    return alike > DUPLICATE_SHARE * len(vectors)


def _twins(a: IdentityFacts, b: IdentityFacts, vector: Vector, model: Model) -> bool:
    if not (a.multiple_birth or b.multiple_birth):
        return False
    return dict(zip(model.names, vector, strict=True))["first name"] not in SAME_NAME


def train(
    identities: Sequence[IdentityFacts],
    decided: Iterable[Decided] = (),
    version: int = 1,
    seed: int = 1,
    random_pairs: int = RANDOM_PAIRS,
    prior: Model = PRIOR,
) -> Model:
    """A model fitted on ``identities`` (EM over their candidate pairs, u over random pairs, the
    names' frequencies) and on a data admin's ``decided`` pairs; the first-name rule as the
    identities' own look-alikes decide (``hub.identity.twins``), those of sources holding
    duplicates left out."""
    return fitted(identities, decided, version, seed, random_pairs, prior)[0]


def fitted(
    identities: Sequence[IdentityFacts],
    decided: Iterable[Decided] = (),
    version: int = 1,
    seed: int = 1,
    random_pairs: int = RANDOM_PAIRS,
    prior: Model = PRIOR,
) -> tuple[Model, dict[str, int]]:
    """``train``, and what it saw: identities, candidate pairs, pairs of one source, labels."""
    feats = [prepare(f) for f in identities]
    unlabelled: list[Vector] = []
    labels: list[Label] = []
    for i, j in candidate_pairs(identities):
        vector = levels(feats[i], feats[j], prior)
        if _twins(identities[i], identities[j], vector, prior):
            labels.append((vector, False))
        else:
            unlabelled.append(vector)
    labels += [(levels(prepare(d.a), prepare(d.b), prior), d.same) for d in decided]
    # Two identities of one source are two children by that source's word: brothers, twins, namesakes.
    own: dict[str, list[Vector]] = {}
    for i, j in candidate_pairs(identities, same_source=True):
        own.setdefault(identities[i].state, []).append(levels(feats[i], feats[j], prior))
    doubtful = sorted(state for state, vectors in own.items() if holds_duplicates(vectors, prior.names))
    others = [v for state, vectors in own.items() if state not in doubtful for v in vectors]
    rng = random.Random(seed)  # noqa: S311 - sampling, nothing secret
    randoms = [levels(rng.choice(feats), rng.choice(feats), prior) for _ in range(random_pairs if feats else 0)]
    fields = fit_sessions(unlabelled, randoms, prior.fields, labels=labels, non_matches=others)
    # Look-alikes (``twins``) are read from the same witnesses: a duplicate under another first
    # name is not a twin.
    witnesses = [f for f in identities if f.state not in doubtful]
    model = Model(fields, tf.count(feats), version, twins.first_name_rule(witnesses))
    seen = {
        "identities": len(identities),
        "candidate_pairs": len(unlabelled),
        "pairs_of_one_source": len(others),
        "sources_holding_duplicates": len(doubtful),
        "labels": len(labels),
    }
    return model, seen
