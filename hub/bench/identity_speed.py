"""``msix bench identity-speed``: matching one incoming identity against N stored children.

On a database of its own: N children (one state identity each, from the synthetic families, with
the noise model's defects) are loaded with their blocking rows by COPY, the way the worker leaves
them (``hub.bench.stored``). Then identities arrive one at a time (half are other states' reports of
stored children, half are new children), and each is timed from its facts to its decision, through
the worker's own code: the candidate search in PostgreSQL (``identity_match.candidates``: one query,
the keys as one array parameter, index look-ups only), then the matcher's decision. Each look-up
runs in its own transaction, as a worker's batch of one would.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import psycopg

from consumers import memory
from hub.bench.stolen import cpu_ticks, stolen_percent
from hub.bench.stored import children as _stored
from hub.bench.stored import load, reports
from hub.config import Settings
from hub.domain.identity import IdentityFacts, MatchDecision, facts_from_fields
from hub.domain.msix_id import from_serial
from hub.identity.features import keys, prepare
from hub.identity.matcher import ProbabilisticMatcher, Thresholds
from hub.store import db, identity_match
from hub.synthetic.identities import families, report
from hub.synthetic.people import Child, Family
from infra.local import postgres

Report = Callable[[str], None]
# The stored children's MSIX ids start here: the sequence's own first value. Nothing draws from it
# in this benchmark (no worker runs), so they need not stay out of its way.
FIRST_SERIAL = 10_000_000_000


@dataclass
class SpeedFigures:
    stored: int
    block_rows: int
    lookups: int
    load_seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_candidates: float
    linked: int
    near: int
    correct_links: int
    """Links of a stored child's report to that child's own MSIX id."""
    wrong_links: int
    """Links to another child: a new child linked to a stored one, or a report to a sibling or namesake."""
    returning: int
    """Look-ups that were a stored child's report: the correct links there could have been."""
    upper: float
    lower: float
    """The thresholds the look-ups were decided with, moved for the store's size (``crowd_bits``)."""
    stolen_percent: float | None
    """CPU time the hypervisor gave to others while the look-ups were timed (``hub.bench.stolen``)."""

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def run(
    base: Settings, stored: int, lookups: int, seed: int, log: Report, database: str = "", keep: bool = False
) -> SpeedFigures:
    """``database``: time look-ups against a database an earlier run loaded and kept (no load);
    ``keep``: keep the database this run loads, for such later runs."""
    name = database or f"msix_idspeed{int(time.time())}"
    settings = base.database.with_database(name)
    # As the worker decides in a store of this size (``crowd_bits``): more evidence for a link.
    matcher = ProbabilisticMatcher(Thresholds(base.identity.upper, base.identity.lower)).for_store(stored)
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic data, nothing secret
    # Stored children that come back from another state: the first ones generated (families are
    # drawn independently, so the first are as good a sample as any).
    sample = [(fam, child) for _, _, fam, child in _stored(seed, lookups // 2)]
    load_s, blocks = 0.0, 0
    if not database:
        postgres.ensure_database(base, name)
        db.migrate(settings)
    try:
        with psycopg.connect(settings.libpq_url, autocommit=False) as conn:
            if not database:
                started = time.perf_counter()
                blocks = load(conn, reports(seed, stored), matcher, log, FIRST_SERIAL).blocks
                load_s = time.perf_counter() - started
                log(f"loaded {stored:,} children and {blocks:,} blocking rows in {load_s:.0f} s into {name}")
            incoming = _incoming(seed, sample, lookups, rng)
            ticks = cpu_ticks()
            times, candidates, decided = _time(conn, incoming, matcher)
            stolen = stolen_percent(ticks, cpu_ticks())
    finally:
        if keep and not database:
            log(f"kept the database {name}: time against it again with --database {name}")
        elif not database:
            _drop(base, name, log)
    times.sort()
    # Child n of the load (from 1) is from_serial(FIRST_SERIAL + n); the sample is the first
    # children loaded, in load order, and the rest of the look-ups are children never stored.
    expected = [from_serial(FIRST_SERIAL + n) for n in range(1, len(sample[: lookups // 2]) + 1)]
    linked_to = [d.msix_id for d in decided]
    correct = sum(got == want for got, want in zip(linked_to, expected, strict=False))
    linked = sum(m is not None for m in linked_to)
    return SpeedFigures(
        stored=stored,
        block_rows=blocks,
        lookups=len(times),
        load_seconds=round(load_s, 1),
        p50_ms=round(statistics.median(times), 2),
        p99_ms=round(times[int(len(times) * 0.99) - 1], 2),
        max_ms=round(times[-1], 2),
        mean_candidates=round(statistics.fmean(candidates), 1),
        linked=linked,
        near=sum(bool(d.near) for d in decided),
        correct_links=correct,
        wrong_links=linked - correct,
        returning=len(expected),
        upper=matcher.thresholds.upper,
        lower=matcher.thresholds.lower,
        stolen_percent=stolen,
    )


def _drop(base: Settings, name: str, log: Report) -> None:
    try:
        postgres.drop_database(base, name)
    except Exception as exc:  # autovacuum may still be at work on it: keep the figures, say so
        log(f"could not drop database {name} ({exc}); drop it later, or time against it with --database")


def _incoming(seed: int, sample: list[tuple[Family, Child]], lookups: int, rng: random.Random) -> list[IdentityFacts]:
    """Half: another state's report of a stored child; half: children never stored."""
    out: list[IdentityFacts] = []
    for fam, child in sample[: lookups // 2]:
        r = report(rng, fam, child, "ZZ", f"ZZ{child.key:09d}")
        out.append(facts_from_fields(r.state, r.state_student_id, r.fields))
    for fam in families(seed + 10_000, lookups):
        for child in fam.children:
            if len(out) >= lookups:
                return out
            r = report(rng, fam, child, "ZZ", f"ZZN{child.key:09d}")
            out.append(facts_from_fields(r.state, r.state_student_id, r.fields))
    return out


def _time(
    conn: psycopg.Connection, incoming: list[IdentityFacts], matcher: ProbabilisticMatcher
) -> tuple[list[float], list[int], list[MatchDecision]]:
    prepare.cache_clear()  # nothing computed during the load is reused: each look-up starts cold
    keys.cache_clear()
    memory.settle_heap()  # as the worker does before its first batch (``consumers.merge_worker``)
    times: list[float] = []
    candidates: list[int] = []
    decided: list[MatchDecision] = []
    # Each look-up is its one statement, as in the worker, whose batch transaction is already open
    # when it looks for candidates: no BEGIN and COMMIT round trips of its own (they added two
    # round trips, 0.2-0.3 ms, to each look-up).
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        for facts in incoming:
            started = time.perf_counter()
            found = identity_match.candidates(cur, matcher.blocking_keys(facts))
            unique = {(c.facts.state, c.facts.state_student_id): c for cs in found.values() for c in cs}
            decision = matcher.decide(facts, list(unique.values()))
            times.append((time.perf_counter() - started) * 1000)
            candidates.append(len(unique))
            decided.append(decision)
    return times, candidates, decided
