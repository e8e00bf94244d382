"""``msix bench identity --through-pipeline``: each linkage set through the real pipeline.

For each set, on a database and topics of its own: the first file is one state's MDE submission
(``TX``), the second another state's (``CA``); the connector publishes them, the real worker
(``msix worker --until-idle``) merges the first and then the second, and ``msix export`` reads the
links back. Two rounds: the first with the model the store has (none: the hand-set prior); then
``msix identity fit`` fits a model from that store, and the second round runs the same
submissions on a fresh store holding only that fitted model. Scored pairwise against the truth:
of the pairs of records under one MSIX id, the share that are one child (precision); of the
pairs that are one child, the share under one MSIX id (recall). Records the connector refuses
(MDE requires first name, first surname, birth date and sex: a missing sex is sent as ``X``, a
missing date cannot be) count as missed. Splink runs on the same records, its links (best pair at
p ≥ 0.5) scored the same way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from connectors.mde.writer import write_submission
from hub.bench import identity_accuracy as accuracy
from hub.bench.identity_accuracy import Record
from hub.bench.pipeline import _env, _isolated, _publish_all, _Worker
from hub.config import Settings
from hub.domain.identity import IdentityFacts
from hub.errors import InfraError
from infra.local import postgres
from producers.admin import apply_topics, delete_prefixed
from producers.topics import Topics

FIRST, SECOND = "TX", "CA"
SUBMITTED = datetime(2026, 11, 30, tzinfo=UTC)
Say = Callable[[str], None]


def run(
    base: Settings, sets: dict[str, Callable[[], tuple[list[Record], list[Record]]]], say: Say, splink: bool
) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {}
    for name, load in sets.items():
        stored, incoming = load()
        say(f"{name}: {len(stored):,} records of {FIRST}, {len(incoming):,} of {SECOND}, through the pipeline")
        results[name] = one_set(base, stored, incoming, say, splink)
    return results


def one_set(
    base: Settings, stored: list[Record], incoming: list[Record], say: Say, splink: bool
) -> list[dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="msix-idbench-"))
    try:
        # The connector reads the state from the folder above the submission (``ST/<date>/``).
        folders = [_submission(work / FIRST / "1", FIRST, stored), _submission(work / SECOND / "1", SECOND, incoming)]
        prior, parameters = _round(base, folders, work, stored, incoming, None, say)
        prior["method"] = "hub, through the pipeline: hand-set prior (empty store)"
        fitted, _ = _round(base, folders, work, stored, incoming, parameters, say)
        fitted["method"] = "hub, through the pipeline: model fitted by msix identity fit"
        rows = [prior, fitted]
        if splink:
            rows.append(_splink(stored, incoming, say))
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _round(
    base: Settings,
    folders: list[Path],
    work: Path,
    stored: list[Record],
    incoming: list[Record],
    parameters: dict[str, Any] | None,
    say: Say,
) -> tuple[dict[str, Any], dict[str, Any]]:
    run_id = f"idbench{time.time_ns() // 1_000_000}"
    settings = _isolated(base, run_id)
    try:
        apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs((FIRST, SECOND)))
        if parameters is not None:
            _install(settings, parameters)
        started = time.perf_counter()
        for n, folder in enumerate(folders):
            _publish_all(settings.kafka, iter([folder]))
            try:
                _Worker.start(settings, work / f"{run_id}-{n}.log", "--until-idle").finish()
            except RuntimeError as exc:  # the worker's own log says why (ids and counts, no names)
                raise InfraError(str(exc)[-1500:]) from exc
        seconds = time.perf_counter() - started
        links = _export(settings)
        figures = pairwise(stored, incoming, links)
        figures["worklist_share"] = round(_worklist(settings) / len(incoming), 4) if incoming else 0.0
        figures["seconds"] = round(seconds, 1)
        if parameters is None:
            _msix(settings, "identity", "fit")
        fitted = _model(settings)
        say(f"  {figures['precision']:.4f} precision, {figures['recall']:.4f} recall ({seconds:.0f} s)")
        return figures, fitted
    finally:
        postgres.drop_database(settings, settings.database.database)
        delete_prefixed(settings.kafka)


def _submission(folder: Path, state: str, records: Sequence[Record]) -> Path:
    write_submission(folder, state, SUBMITTED, "identity benchmark", {"students.csv": [_row(r.facts) for r in records]})
    return folder


def _row(f: IdentityFacts) -> dict[str, str]:
    return {
        "action": "I",
        "state_student_id": f.state_student_id,
        "first_name": f.first_name,
        "middle_name": f.middle_name,
        "last_name_1": f.last_name_1,
        "last_name_2": f.last_name_2,
        "sex": f.sex or "X",  # required; X where the source did not say
        "birth_date": f.birth_date.isoformat() if f.birth_date else "",
        "multiple_birth": "Y" if f.multiple_birth else "N",
        "birth_city": f.birth_city,
        "birth_state": f.birth_state,
        "birth_country": f.birth_country,
        "parent1_first_name": f.parent1_first_name,
        "parent1_last_name": f.parent1_last_name,
        "parent2_first_name": f.parent2_first_name,
        "parent2_last_name": f.parent2_last_name,
    }


def _msix(settings: Settings, *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "hub", *args], env=_env(settings), capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"msix {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _export(settings: Settings) -> dict[tuple[str, str], str]:
    """(state, state student id) -> MSIX id, from ``msix export --jsonl``."""
    out: dict[tuple[str, str], str] = {}
    for line in _msix(settings, "export", "--jsonl").splitlines():
        if line.strip():
            record = json.loads(line)
            for sid in record["state_ids"]:
                out[(sid["state"], sid["state_student_id"])] = record["msix_id"]
    return out


def _worklist(settings: Settings) -> int:
    with psycopg.connect(settings.database.libpq_url) as conn:
        return int(conn.execute("SELECT count(*) FROM worklist_item").fetchone()[0])  # type: ignore[index]


def _model(settings: Settings) -> dict[str, Any]:
    with psycopg.connect(settings.database.libpq_url) as conn:
        row = conn.execute("SELECT parameters FROM identity_model ORDER BY version DESC LIMIT 1").fetchone()
    return {} if row is None else dict(row[0])


def _install(settings: Settings, parameters: dict[str, Any]) -> None:
    """The fitted model, as ``msix identity fit`` left it in the first round's store."""
    with psycopg.connect(settings.database.libpq_url) as conn:
        conn.execute(
            "INSERT INTO identity_model (fitted_at, parameters) VALUES (now(), %s::jsonb)", (json.dumps(parameters),)
        )


def pairwise(stored: Sequence[Record], incoming: Sequence[Record], links: dict[tuple[str, str], str]) -> dict[str, Any]:
    """Pairwise precision and recall of "same MSIX id" against "same child"; a record with no MSIX
    id (refused by the connector) is a cluster of its own."""
    clusters: dict[str, str] = {}
    for state, records in ((FIRST, stored), (SECOND, incoming)):
        for r in records:
            clusters[r.uid] = links.get((state, r.facts.state_student_id), f"refused:{r.uid}")
    refused = {uid for uid, v in clusters.items() if v.startswith("refused:")}
    figures = _pair_counts((r.entity, clusters[r.uid]) for r in (*stored, *incoming))
    figures["refused_records"] = len(refused)
    # The matcher's own share: recall among the pairs whose two records the connector accepted.
    accepted = _pair_counts((r.entity, clusters[r.uid]) for r in (*stored, *incoming) if r.uid not in refused)
    figures["recall_of_accepted"] = accepted["recall"]
    return figures


def _pair_counts(assignments: Iterable[tuple[str, str]]) -> dict[str, Any]:
    both: Counter[tuple[str, str]] = Counter()
    truth: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for entity, cluster in assignments:
        both[(entity, cluster)] += 1
        truth[entity] += 1
        found[cluster] += 1

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    tp, true, predicted = pairs(both.values()), pairs(truth.values()), pairs(found.values())
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true,
        "linked_pairs": predicted,
        "false_pairs": predicted - tp,
    }


def _splink(stored: list[Record], incoming: list[Record], say: Say) -> dict[str, Any]:
    """Splink on the same records: each incoming record joins its best stored pair at p ≥ 0.5."""
    best = accuracy.splink_links(stored, incoming, say, 0.5)
    clusters = {r.uid: r.uid for r in stored} | {r.uid: best.get(r.uid, r.uid) for r in incoming}
    entity = {r.uid: r.entity for r in (*stored, *incoming)}
    figures = _pair_counts((entity[uid], cluster) for uid, cluster in clusters.items())
    figures["method"] = "Splink, p ≥ 0.5 (same records, in memory)"
    return figures
