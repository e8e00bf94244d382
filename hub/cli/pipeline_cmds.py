"""``msix publish`` (a state's connector) and ``msix worker`` (the hub's consumers)."""

from __future__ import annotations

import signal
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from connectors.mde.reader import SubmissionSummary, open_submission
from connectors.publish import publish_mde
from consumers.merge_worker import MergeWorker, WorkerOptions
from hub.cli.common import CREDENTIALS_OPT, settings, state_code
from hub.config import Settings
from hub.errors import UserInputError

console = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    mde = "mde"
    edfi = "edfi"


def publish(
    folder: Path = typer.Argument(..., help="The submission folder."),
    state: str = typer.Option(..., "--state", callback=state_code, help="The submitting state (USPS code)."),
    fmt: Format = typer.Option(Format.mde, "--format", help="mde: an MDE CSV folder."),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """Validate one submission and publish it to the state's topics."""
    if fmt is not Format.mde:
        raise UserInputError("--format edfi is not available yet; use --format mde")
    s = settings(credentials)
    submission = open_submission(folder, state)  # refuses a bad submission before anything is sent
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    # No bar when stderr is not a terminal: a script or a test reads one-line errors there.
    bar_off = not console.is_terminal
    with Progress(
        "[progress.description]{task.description}", *columns, console=console, transient=True, disable=bar_off
    ) as bar:
        task = bar.add_task(f"publishing {folder.name}", total=None)
        summary = publish_mde(s.kafka, submission, lambda done, total: bar.update(task, completed=done, total=total))
    _print_summary(state, summary)


def _print_summary(state: str, summary: SubmissionSummary) -> None:
    for f in summary.files:
        console.print(f"  {f.file:<16} {f.accepted:>9,} published  {f.rejected:>7,} rejected")
    console.print(
        f"[bold]{state}[/]: {summary.accepted:,} rows published, {summary.rejected:,} rejected "
        f"(see `msix rejected --state {state}`); submission {summary.submission_id}"
    )


def worker(
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit 0 once every input is consumed and sent."),
    batch_size: int = typer.Option(5000, min=1, max=50_000, help="Messages per transaction."),
    fault: str = typer.Option("", hidden=True, help="Fault injection for tests: after-db-commit."),
) -> None:
    """Run the merge worker and the outbox relay."""
    # The hub's own principal (only the ACLs the worker needs), not the operator.
    w = MergeWorker(Settings().as_hub(), WorkerOptions(batch_size=batch_size, crash_point=fault or None))
    # SIGTERM and Ctrl-C finish the batch in hand, then stop cleanly.
    signal.signal(signal.SIGTERM, w.stop)
    signal.signal(signal.SIGINT, w.stop)
    totals = w.run(until_idle=until_idle)
    t = totals.totals
    console.print(
        f"worker: {t.events:,} events applied in {totals.batches:,} batches, {t.duplicates:,} duplicates, "
        f"{t.stale:,} stale, {t.dead_letters:,} dead letters, {t.new_children:,} new children, "
        f"{t.notices:,} move notices; {totals.relayed:,} messages relayed"
    )
    p50, p99 = totals.latency.quantile(0.5), totals.latency.quantile(0.99)
    if p50 is not None and p99 is not None:
        console.print(f"latency from publish to commit: p50 {p50:,.0f} ms, p99 {p99:,.0f} ms")
