"""What every command shares: settings read once, one-line errors, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from hub.config import Settings
from producers.topics import is_state_code


def settings(credentials: Path | None = None) -> Settings:
    """The settings, acting on Kafka as the operator unless ``credentials`` (``--credentials``) or
    MSIX_KAFKA_CREDENTIALS names a client configuration."""
    return Settings().with_credentials(credentials).as_operator()


CREDENTIALS_OPT = typer.Option(
    None,
    "--credentials",
    help="A state's client configuration (from `msix states credentials ST`); default: the operator's.",
    dir_okay=False,
)


def state_code(value: str) -> str:
    code = value.strip().upper()
    if not is_state_code(code):
        raise typer.BadParameter(f"{value!r} is not a USPS state or territory code")
    return code


def print_json(value: Any, lines: bool = False) -> None:
    text = json.dumps(value, ensure_ascii=False, default=str, indent=None if lines else 2)
    sys.stdout.write(text + "\n")
    if lines:
        sys.stdout.flush()
