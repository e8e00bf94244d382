"""``msix bench identity --through-pipeline`` on a small set: two states' submissions through the
real worker, links read back with ``msix export``, scored pairwise; the fitted round runs the
model ``msix identity fit`` kept."""

from __future__ import annotations

import pytest

from hub.bench import identity_pipeline
from hub.bench.identity_accuracy import siblings_only, synthetic
from tests.integration.conftest import Hub

pytestmark = pytest.mark.integration


def test_a_small_set_through_the_pipeline_is_scored_pairwise(hub: Hub) -> None:
    stored, incoming = synthetic(3, 120)
    said: list[str] = []
    rows = identity_pipeline.one_set(hub.settings, stored, incoming, said.append, splink=False)
    prior, fitted = rows
    assert prior["method"].endswith("hand-set prior (empty store)") and "fitted" in fitted["method"]
    for row in rows:
        assert row["true_pairs"] > 50 and row["precision"] >= 0.95 and row["recall"] >= 0.85
        assert 0 <= row["worklist_share"] <= 0.1
    # What the connector refuses (no birth date, a mistyped one in the future) is missed, and said so.
    everyone = (*stored, *incoming)
    assert sum(r.facts.birth_date is None for r in everyone) <= fitted["refused_records"] <= len(everyone) // 20
    assert fitted["recall_of_accepted"] >= fitted["recall"]


def test_pairwise_scoring_counts_pairs_not_records() -> None:
    stored, incoming = siblings_only(4, 30)
    links = {("TX", r.facts.state_student_id): f"S{r.entity}" for r in stored}
    links |= {("CA", r.facts.state_student_id): f"S{r.entity}" for r in incoming}
    perfect = identity_pipeline.pairwise(stored, incoming, links)
    assert perfect["precision"] == perfect["recall"] == 1.0 and perfect["true_pairs"] == len(incoming)
    lost = identity_pipeline.pairwise(stored, incoming, {k: v for k, v in links.items() if k[0] == "TX"})
    assert lost["recall"] == 0.0 and lost["recall_of_accepted"] == 1.0 and lost["refused_records"] == len(incoming)
    merged = {k: "ONE" for k in links}  # every child of every family under one id
    worst = identity_pipeline.pairwise(stored, incoming, merged)
    assert worst["recall"] == 1.0 and worst["precision"] < 0.05 and worst["false_pairs"] > 0


def test_the_speed_bench_scores_its_links_against_the_truth(hub: Hub) -> None:
    """``msix bench identity-speed`` on a small store: half the look-ups are stored children
    reported again (their own MSIX id is right), half are children never stored (any link is wrong)."""
    from hub.bench import identity_speed

    figures = identity_speed.run(hub.settings, stored=3000, lookups=200, seed=3, log=lambda _: None)
    assert figures.returning == 100 and figures.lookups == 200
    assert figures.correct_links + figures.wrong_links == figures.linked
    assert figures.correct_links >= 85 and figures.wrong_links <= 5
