"""``msix counts ...``: the child count (suppressed), its CSV and PDF, a state's reconciliation, the
moves between states and the records last updated."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from hub.cli.common import print_json, settings, state_code
from hub.domain import child_count as cc
from hub.errors import UserInputError
from hub.store import counts, db

counts_app = typer.Typer(help="Child counts and the staff's aggregate reports.", no_args_is_help=True)
PERIOD = typer.Option(..., "--period", help="The reporting period, e.g. 2025-2026 (September 1 to August 31).")


def _period(text: str) -> cc.Period:
    try:
        return cc.period(text)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None


@counts_app.command("show")
def show(
    period: str = PERIOD,
    state: str = typer.Option("", "--state"),
    fmt: str = typer.Option("json", "--format", help="json, csv or pdf"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Where to write a PDF."),
) -> None:
    """Category 1 and 2 counts by state and age/grade, and nationally, small cells suppressed."""
    p, only = _period(period), state_code(state) if state else None
    if fmt not in ("json", "csv", "pdf") or (fmt == "pdf") != (output is not None):
        raise UserInputError("--format json|csv, or pdf with --output FILE")
    with db.engine(settings().database).connect() as conn:
        found = counts.child_count(conn, p)
    from hub.report import counts_export  # ReportLab only for this command

    if fmt == "json":
        print_json(counts.count_json(found, only))
    elif fmt == "csv":
        sys.stdout.write(counts_export.csv_text(found, only))
    else:
        assert output is not None
        output.write_bytes(counts_export.pdf_bytes(found, only, date.today()))


@counts_app.command("reconcile")
def reconcile(period: str = PERIOD, state: str = typer.Option(..., "--state")) -> None:
    """The children STATE's own count and the hub's differ on, and why (child-level: the operator's)."""
    p, code = _period(period), state_code(state)
    with db.engine(settings().database).connect() as conn:
        found = counts.reconciliation(conn, code, p)
    print_json([{"msix_id": d.msix_id, "state_student_id": d.state_student_id, "reason": d.reason} for d in found])


@counts_app.command("mobility")
def mobility(period: str = PERIOD) -> None:
    """Moves between states in the period, by origin and destination, suppressed."""
    with db.engine(settings().database).connect() as conn:
        print_json(counts.as_json(counts.mobility(conn, _period(period))))


@counts_app.command("updated")
def updated() -> None:
    """When each state's records were last updated, and how many the hub holds."""
    with db.engine(settings().database).connect() as conn:
        print_json(counts.last_updated(conn))
