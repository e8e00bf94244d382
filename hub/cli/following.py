"""What ``msix requests follow`` and ``msix corrections follow`` share: the options, the sink they
choose, the delivered-ids file, and the run of the one follow loop (``consumers.follower``) for a
kind on ``datarequest.ST``. (``msix notices follow`` keeps its own, with receipts.)"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from consumers import follower
from consumers.follower import Kind
from consumers.webhook import WebhookSink, private_append, read_secret
from hub.cli.common import CREDENTIALS_OPT, settings, state_code
from hub.errors import UserInputError

console = Console(stderr=True, soft_wrap=True)

FROM_BEGINNING = typer.Option(False, "--from-beginning", help="Replay every one kept (a view).")
UNTIL_IDLE = typer.Option(False, "--until-idle", help="Exit once every one so far is delivered.")
JSONL = typer.Option(True, "--jsonl/--no-jsonl")
OUTPUT = typer.Option(None, "--output", "-o", dir_okay=False, help="Append JSON lines to this file.")
WEBHOOK = typer.Option("", "--webhook", help="POST each one as JSON to this https URL, signed.")
SECRET_FILE = typer.Option(None, "--webhook-secret-file", dir_okay=False, help="The webhook secret.")
ALLOW_HTTP = typer.Option(False, "--allow-http", help="Allow a plain http:// webhook (a test endpoint).")
DEAD_LETTER = typer.Option(None, "--dead-letter", dir_okay=False, help="The ones the webhook refused.")
RETRIES = typer.Option(5, "--retries", min=0, max=100, help="Webhook retries for each one.")
BACKOFF = typer.Option(1.0, "--backoff", min=0.0, help="Seconds before the first retry; doubles.")
DELIVERED = typer.Option(None, "--delivered", dir_okay=False, help="Ids already delivered.")


@dataclass(frozen=True)
class Options:
    from_beginning: bool
    until_idle: bool
    output: Path | None
    webhook: str
    secret_file: Path | None
    allow_http: bool
    dead_letter: Path | None
    retries: int
    backoff: float
    delivered: Path | None


def add_command(app: typer.Typer, kind: Kind, doc: str) -> None:
    """``follow`` on ``app`` for ``kind``: the same options for every kind (requests, corrections)."""

    def follow(
        state: str = typer.Option(..., "--state", callback=state_code),
        from_beginning: bool = FROM_BEGINNING,
        until_idle: bool = UNTIL_IDLE,
        jsonl: bool = JSONL,
        output: Path | None = OUTPUT,
        webhook: str = WEBHOOK,
        secret_file: Path | None = SECRET_FILE,
        allow_http: bool = ALLOW_HTTP,
        dead_letter: Path | None = DEAD_LETTER,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        delivered_file: Path | None = DELIVERED,
        credentials: Path | None = CREDENTIALS_OPT,
    ) -> None:
        opts = Options(from_beginning, until_idle, output, webhook, secret_file, allow_http, dead_letter, retries,
                       backoff, delivered_file)  # fmt: skip
        run(kind, state, opts, credentials)

    follow.__doc__ = doc
    app.command("follow")(follow)


def run(kind: Kind, state: str, opts: Options, credentials: Path | None) -> None:
    """Follow ``state``'s values of ``kind``: JSON lines, or a webhook; restart-safe, each one once."""
    s = settings(credentials)
    folder, name = s.home.home.resolve() / "follow", f"{s.kafka.topic_prefix}{state}.{kind.group}"
    sink = _sink(kind, opts, opts.dead_letter or folder / f"{name}.dead-letter.jsonl")
    from_beginning = opts.from_beginning
    if from_beginning:  # a replay: everything again, de-duplicated within this run only
        delivered = follower.Delivered(Path(tempfile.mkdtemp(prefix=f"msix-{kind.group}-")) / "delivered")
    else:
        delivered = follower.Delivered(opts.delivered or folder / f"{name}.delivered")
    # SIGTERM ends the subscription like Ctrl-C: the consumer leaves its group at once.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        totals = follower.follow(s.kafka, kind, state, sink, delivered, from_beginning, opts.until_idle)
    finally:
        delivered.close()
        if from_beginning:
            shutil.rmtree(delivered.path.parent, ignore_errors=True)
    if opts.webhook or opts.output is not None:
        console.print(f"{state}: {totals.delivered} {kind.name}(s) delivered, {totals.skipped} already delivered "
                      f"before, {totals.dead_lettered} dead-lettered")  # fmt: skip


def _sink(kind: Kind, opts: Options, dead_letter: Path) -> follower.Sink:
    if opts.output is not None and opts.webhook:
        raise UserInputError("--output and --webhook: choose one")
    if opts.secret_file is not None and not opts.webhook:
        raise UserInputError("--webhook-secret-file is for --webhook")
    if not opts.webhook:
        return follower.LinesSink(private_append(opts.output) if opts.output else sys.stdout)
    if opts.secret_file is None:
        raise UserInputError(f"--webhook needs --webhook-secret-file: the receiver checks each {kind.name}'s signature")
    secret = read_secret(opts.secret_file)
    return WebhookSink(opts.webhook, dead_letter, secret, opts.allow_http, opts.retries, opts.backoff, kind=kind)
