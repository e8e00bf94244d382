"""``msix demo``: the exchange at work on synthetic migrant families, start to finish.

It starts the local Kafka and PostgreSQL, creates the topics, writes a school year of submissions
for six states (families following the crop streams, siblings and twins, two-part surnames with
and without accents, courses and credits, state tests, a few bad rows), then plays the year: the
hub's worker runs in the background as it would in production while each month's submissions are
published, and the demo waits for the hub to catch up before the next month. A summary ends it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import infra.local
from connectors.mde.reader import open_submission
from connectors.publish import publish_mde
from consumers import idle
from consumers.topic_reader import read_topic
from hub.cli import demo_accounts
from hub.cli.common import settings
from hub.config import KafkaSettings, Settings
from hub.store import db, stats
from producers import state_access
from producers.admin import apply_topics
from producers.client_config import render_client_file, write_private
from producers.producer import Producer
from producers.topics import Topics

if TYPE_CHECKING:
    from hub.synthetic import World

console = Console(stderr=True, soft_wrap=True)
CATCH_UP_TIMEOUT = 300.0


def demo(
    children: int = typer.Option(300, min=10, max=20_000, help="How many children the synthetic world has."),
    seed: int = typer.Option(7, help="Seed of the synthetic world (same seed, same data)."),
    bad_rows: float = typer.Option(0.01, min=0.0, max=0.5, help="Share of rows spoiled on purpose."),
) -> None:
    """Start the hub, publish a school year of six states' submissions, and summarize."""
    from hub.synthetic import DEFAULT_STATES, build_world, write_all  # only the demo needs it

    s = settings()
    started = time.perf_counter()
    with console.status("starting Kafka and PostgreSQL..."):
        infra.local.up(s)
        db.migrate(s.database)
        s = settings()  # the operator's credentials exist once a new broker is up
        apply_topics(s.kafka, Topics(s.kafka.topic_prefix).specs())
        state_kafka = _state_principals(s, DEFAULT_STATES)
    world = build_world(seed, children, DEFAULT_STATES, 2025)
    folders = write_all(world, s.home.home.resolve() / "demo" / f"seed-{seed}-{children}", bad_rows)
    console.print(
        f"{len(folders)} submissions from {len(DEFAULT_STATES)} states, {children} children, school year 2025-2026"
    )
    worker = _start_worker()
    try:
        rejected = _play(s, state_kafka, folders, worker)
    finally:
        worker.terminate()
        worker.wait(30)
    accounts = demo_accounts.make(db.engine(s.database))
    _summary(s, state_kafka, world, rejected, time.perf_counter() - started)
    _how_to_open(s, accounts)


def _state_principals(s: Settings, states: Iterable[str]) -> dict[str, KafkaSettings]:
    """With security on, each state publishes and reads as its own principal, as it would from its
    own system: `msix states add` and `msix states credentials`, files under MSIX_HOME/demo."""
    if s.kafka.credentials is None:
        return {st: s.kafka for st in states}
    folder = s.home.home.resolve() / "demo" / "credentials"
    kafka: dict[str, KafkaSettings] = {}
    for st in states:
        state_access.add(s.kafka, st)
        path = folder / f"{st}.properties"
        config = state_access.issue_credentials(s.kafka, st)
        write_private(path, render_client_file(config, f"state {st} (msix demo)"))
        kafka[st] = s.kafka.model_copy(update={"credentials": path})
    console.print(f"security on: each state publishes with its own credentials ({folder})")
    return kafka


def _start_worker() -> subprocess.Popen[bytes]:
    # The hub runs as it would in production: a worker process consuming while states publish.
    log = subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "hub", "worker"], stdout=log, stderr=log)


def _play(
    s: Settings, state_kafka: dict[str, KafkaSettings], folders: list[Path], worker: subprocess.Popen[bytes]
) -> int:
    months = [(month, list(group)) for month, group in groupby(folders, key=lambda f: f.name[:7])]
    rejected = 0
    with Progress(console=console, transient=True) as bar, ExitStack() as stack:
        producers = {st: stack.enter_context(Producer(kafka)) for st, kafka in state_kafka.items()}
        task = bar.add_task("publishing", total=len(folders))
        for month, group in months:
            bar.update(task, description=f"{month}: publishing")
            for folder in group:
                st = folder.parent.name
                summary = publish_mde(state_kafka[st], open_submission(folder, st), producer=producers[st])
                rejected += summary.rejected
                bar.advance(task)
            for producer in producers.values():
                producer.flush()
            bar.update(task, description=f"{month}: the hub catches up")
            idle.wait_caught_up(s, s.kafka.topic_prefix + "msix-merge", lambda: worker.poll() is None)
    return rejected


def _summary(
    s: Settings, state_kafka: dict[str, KafkaSettings], world: World, rejected_rows: int, seconds: float
) -> None:
    with db.engine(s.database).connect() as conn:
        c = stats.counts(conn)
    out = Console(soft_wrap=True)
    out.print(f"\n[bold]MSIX hub demo[/] finished in {seconds:.0f} s\n")
    out.print(
        f"Children consolidated: [bold]{c.children:,}[/] (the synthetic world has "
        f"{len(world.truth.identities):,}); reported by several states: {c.children_in_several_states:,}"
    )
    table = Table("state", "students", "enrollments", "courses", "assessments", title="Records per state")
    for st in sorted({st for st, _ in c.records}):
        table.add_row(
            st, *(f"{c.records.get((st, fam), 0):,}" for fam in ("student", "enrollment", "course", "assessment"))
        )
    out.print(table)
    moves = Table("to state", "departures", "arrivals", title="Move notices sent")
    for st in sorted({st for _, st in c.notices}):
        moves.add_row(st, str(c.notices.get(("departure", st), 0)), str(c.notices.get(("arrival", st), 0)))
    out.print(moves)
    due = world.truth.move_counts()
    out.print(
        f"Moves in the synthetic world: {due.get('departure', 0)} reported by the origin, "
        f"{due.get('arrival', 0)} with an enrollment left open, {due.get('unreported', 0)} not signalled"
    )
    reasons = _top_reasons(s, state_kafka, sorted({st for st, _ in c.records}))
    out.print(f"\nRows rejected: [bold]{rejected_rows}[/]; top reasons:")
    for reason, n in reasons.most_common(5):
        out.print(f"  {n:>4}  {reason}")
    out.print(
        "\nExplore: `msix export --jsonl | head -1`, `msix student show MSIX_ID --json`, "
        "`msix notices follow --state MI --from-beginning --until-idle`, `msix rejected --state TX --until-idle`"
    )


def _how_to_open(s: Settings, accounts: list[demo_accounts.DemoAccount]) -> None:
    """The pages: where they are and who can sign in (the passwords are shown here only, once)."""
    out = Console(soft_wrap=True)
    out.print(
        f"\n[bold]Open the web application:[/] `msix serve`, then http://{s.web.host}:{s.web.port}/ "
        "(each person lands on their own work; the API's documents at /docs)"
    )
    table = Table("user name", "password", "role", "state", title="Demo accounts (new passwords each run)")
    for a in accounts:
        table.add_row(a.username, a.password, a.role, a.state or "all")
    out.print(table)
    out.print(
        "[bold red]For the demo only:[/] these accounts sign in to this hub as every role. Never keep them "
        "on a hub with real children's records (`msix infra down --wipe` deletes this one)."
    )


def _top_reasons(s: Settings, state_kafka: dict[str, KafkaSettings], states: Iterable[str]) -> Counter[str]:
    topics = Topics(s.kafka.topic_prefix)
    reasons: Counter[str] = Counter()
    for st in states:
        kafka = state_kafka.get(st, s.kafka)  # each state reads its own rejections
        group = topics.state_group_prefix(st) + "demo"
        for value in read_topic(
            kafka, topics.rejected(st), group, "rejection_id", from_beginning=True, until_idle=True
        ):
            reasons[re.sub(r"'[^']*'", "…", value["reason"])] += 1
    return reasons
