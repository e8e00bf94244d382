"""``msix publish`` (a state's connector) and ``msix worker`` (the hub's consumers)."""

from __future__ import annotations

import json
import signal
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from connectors import publish as shell
from connectors.edfi import reader as edfi
from connectors.items import SubmissionSummary
from connectors.mde import reader as mde
from consumers import memory, merge_worker
from consumers import worker as worker_parts
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
    fmt: Format = typer.Option(
        Format.mde, "--format", help="mde: an MDE CSV folder; edfi: a folder of Ed-Fi XML interchange files."
    ),
    submitted_at: str = typer.Option(
        "",
        "--submitted-at",
        help="edfi: when the state's system produced the files (ISO-8601); default: newest file's time.",
    ),
    processes: int = typer.Option(
        1,
        "--processes",
        min=1,
        max=16,
        help="edfi: processes reading the submission side by side, each its share of the children: faster "
        "by the clock only where cores are free (each process parses every file).",
    ),
    read_ahead: bool | None = typer.Option(
        None,
        "--read-ahead/--no-read-ahead",
        help="edfi: parse the XML in a second process while this one maps, checks and publishes; "
        "default: on for 32 MB of XML or more, given two cores.",
    ),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """Validate one submission and publish it to the state's topics."""
    s = settings(credentials)
    submission: shell.Submission
    shared: edfi.EdfiSubmission | None = None
    # Either reader refuses a bad submission as a whole before anything is sent.
    if fmt is Format.edfi:
        submission = shared = edfi.open_submission(folder, state, _moment(submitted_at) if submitted_at else None)
        if read_ahead is not None:
            submission = shared = shared.reading_ahead(read_ahead)
    elif submitted_at:
        raise UserInputError("--submitted-at is for --format edfi; an MDE submission says it in manifest.json")
    elif read_ahead is not None:
        raise UserInputError("--read-ahead is for --format edfi; an MDE submission is read in one process")
    else:
        submission = mde.open_submission(folder, state)
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    # No bar when stderr is not a terminal: a script or a test reads one-line errors there.
    bar_off = not console.is_terminal
    with Progress(
        "[progress.description]{task.description}", *columns, console=console, transient=True, disable=bar_off
    ) as bar:
        task = bar.add_task(f"publishing {escape(folder.name)}", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if shared is not None:  # the MDE reader has no shares: one process
            summary = shell.publish_shared(s.kafka, shared, processes, tell)
        else:
            summary = shell.publish(s.kafka, submission, tell)
    _print_summary(state, summary, "elements" if fmt is Format.edfi else "rows")


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"--submitted-at {text[:40]!r} is not an ISO-8601 timestamp") from None


def _print_summary(state: str, summary: SubmissionSummary, unit: str) -> None:
    width = max((len(f.file) for f in summary.files), default=16)
    for f in summary.files:
        more = f"  {f.folded:>7,} folded into records  {f.skipped:>7,} not used" if f.folded or f.skipped else ""
        # A file's name is the state's: shown as it is, never read as console markup ([link=...]).
        name = escape(f"{f.file:<{width}}")
        console.print(f"  {name} {f.accepted:>9,} published  {f.rejected:>7,} rejected{more}")
    console.print(
        f"[bold]{state}[/]: {summary.accepted:,} {unit} published, {summary.rejected:,} rejected "
        f"(see `msix rejected --state {state}`); submission {summary.submission_id}"
    )


def worker(
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit 0 once every input is consumed and sent."),
    batch_size: int = typer.Option(5000, min=1, max=50_000, help="Messages per transaction."),
    fault: str = typer.Option("", hidden=True, help="Fault injection for tests: after-db-commit."),
    max_poll_interval_ms: int | None = typer.Option(
        None, min=6000, hidden=True, help="Fault injection for tests: a short max.poll.interval.ms."
    ),
    latency_file: Path | None = typer.Option(
        None, hidden=True, help="For `msix bench pipeline`: write the latency histogram here (JSON) at exit."
    ),
) -> None:
    """Run the merge worker, the outbox relay, the receipts recorder and the roll-up compaction.

    A lost PostgreSQL is waited out (logged as "waiting for PostgreSQL"); SIGTERM or Ctrl-C stops
    every part within 10 seconds."""
    options = merge_worker.WorkerOptions(
        batch_size=batch_size,
        crash_point=fault or None,
        until_idle=until_idle,
        max_poll_interval_ms=max_poll_interval_ms,
    )
    # Before any thread starts: the threads' malloc arenas are what the cap bounds.
    memory.cap_malloc_arenas()
    # The hub's own principal (only the ACLs the worker needs), not the operator.
    w = worker_parts.worker(Settings().as_hub(), options)
    # SIGTERM and Ctrl-C: each part finishes what it holds (a batch, a relay flush), then stops;
    # what is not done in 8 s is left to the next start (the database commits nothing half-way).
    signal.signal(signal.SIGTERM, w.supervisor.stop)
    signal.signal(signal.SIGINT, w.supervisor.stop)
    totals = w.run()
    t = totals.totals
    console.print(
        f"worker: {t.events:,} events applied in {totals.batches:,} batches, {t.duplicates:,} duplicates, "
        f"{t.stale:,} stale, {t.dead_letters:,} dead letters ({t.refused:,} refused by the database), "
        f"{t.new_children:,} new children, {t.notices:,} move notices; {totals.relayed:,} messages relayed"
    )
    p50, p99 = totals.latency.quantile(0.5), totals.latency.quantile(0.99)
    if p50 is not None and p99 is not None:
        console.print(f"latency from publish to commit: p50 {p50:,.0f} ms, p99 {p99:,.0f} ms")
    if latency_file is not None:
        latency_file.write_text(json.dumps(totals.latency.as_json()))
