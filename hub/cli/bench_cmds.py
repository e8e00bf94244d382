"""``msix bench``: speed measured on this machine, on its own database and topics."""

from __future__ import annotations

import json
import time

import typer
from rich.console import Console
from rich.table import Table

import infra.local
from hub.cli.common import settings
from hub.store import db

bench_app = typer.Typer(help="Benchmarks (figures go in the README).", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@bench_app.command("pipeline")
def pipeline(
    events: int = typer.Option(1_000_000, min=10_000, help="How many events to generate and push through."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    workers: int = typer.Option(1, min=1, max=16, help="Merge worker processes in one consumer group."),
) -> None:
    """Publish and merge N events over ten states; print events/s, latency, RSS and the COPY ceiling."""
    from hub.bench import pipeline as bench

    s = settings()
    infra.local.up(s)
    db.migrate(s.database)
    figures = bench.run(s, events, seed, lambda msg: console.print(f"[dim]{time.strftime('%X')}[/] {msg}"), workers)
    table = Table("measure", "value", title=f"pipeline, {figures.events:,} events over {figures.states} states")
    table.add_row("publish (validate, encode, send)", f"{figures.publish_events_per_s:,.0f} events/s")
    processes = "1 worker" if workers == 1 else f"{workers} worker processes"
    table.add_row(f"merge ({processes}, until idle)", f"{figures.merge_events_per_s:,.0f} events/s")
    table.add_row("raw COPY of the same records (ceiling)", f"{figures.copy_rows_per_s:,.0f} rows/s")
    table.add_row(
        f"latency p50 / p99 ({figures.latency_events:,} events paced)",
        f"{figures.latency_p50_ms or 0:,.0f} ms / {figures.latency_p99_ms or 0:,.0f} ms",
    )
    table.add_row("worker peak RSS (largest worker)", f"{figures.worker_peak_rss_mb:,.0f} MB")
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

    s = settings()
    infra.local.up(s)
    db.migrate(s.database)
    s = settings()
    rounds_run = bench.run(s, events, rounds, seed, lambda msg: console.print(f"[dim]{time.strftime('%X')}[/] {msg}"))
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
