"""What every command shares: settings read once, one-line errors, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from hub.config import Settings
from producers.topics import is_state_code


def settings() -> Settings:
    return Settings()


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
