"""The ``msix`` command line. User mistakes end in one line on stderr and exit 2; the hub's own
faults in one line and exit 1: never a traceback."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer
from pydantic import ValidationError

from hub.config import HomeSettings
from hub.errors import HubError, UserInputError
from hub.logging import configure
from infra.local.pg_secrets import use_home_passfile

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """MSIX hub: migrant students' records exchanged between states."""
    # A callback keeps ``msix`` a group when only one command is registered (see ``register``).


# Every command: its name, its module, the attribute there, and whether it is a group of its own.
# A command's module is imported only when that command runs: importing them all costs about 1.3 s
# of CPU, paid by every worker, follower and command a state's script runs (``--help`` and a
# mistyped name still see them all).
COMMANDS: tuple[tuple[str, str, str, bool], ...] = (
    ("infra", "hub.cli.infra_cmds", "infra_app", True),
    ("topics", "hub.cli.infra_cmds", "topics_app", True),
    ("publish", "hub.cli.pipeline_cmds", "publish", False),
    ("worker", "hub.cli.pipeline_cmds", "worker", False),
    ("student", "hub.cli.read_cmds", "student_app", True),
    ("export", "hub.cli.read_cmds", "export", False),
    ("notices", "hub.cli.read_cmds", "notices_app", True),
    ("rejected", "hub.cli.read_cmds", "rejected", False),
    ("worklist", "hub.cli.worklist_cmds", "worklist_app", True),
    ("identity", "hub.cli.identity_cmds", "identity_app", True),
    ("states", "hub.cli.states_cmds", "states_app", True),
    ("parked", "hub.cli.parked_cmds", "parked_app", True),
    ("outbox", "hub.cli.outbox_cmds", "outbox_app", True),
    ("requests", "hub.cli.requests_cmds", "requests_app", True),
    ("counts", "hub.cli.counts_cmds", "counts_app", True),
    ("corrections", "hub.cli.corrections_cmds", "corrections_app", True),
    ("demo", "hub.cli.demo_cmds", "demo", False),
    ("bench", "hub.cli.bench_cmds", "bench_app", True),
    ("serve", "hub.cli.web_cmds", "serve", False),
    ("users", "hub.cli.web_cmds", "users_app", True),
)


def register(args: Sequence[str]) -> None:
    """Register the command ``args`` names (its first word), or every command when it names none."""
    wanted = args[0] if args else ""
    chosen = [c for c in COMMANDS if c[0] == wanted] or COMMANDS
    for name, module, attribute, group in chosen:
        found = getattr(importlib.import_module(module), attribute)
        if group:
            app.add_typer(found, name=name)
        else:
            app.command(name)(found)


def main() -> None:
    configure()
    # The local cluster's logins (SCRAM passwords kept under MSIX_HOME), for every connection this
    # process and its children make; a real cluster's PGPASSFILE or URL password is left alone.
    use_home_passfile(HomeSettings())
    register(sys.argv[1:])
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except UserInputError as exc:
        _die(str(exc), 2)
    except ValidationError as exc:  # a setting from the environment that does not parse
        _die(f"bad setting: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", 2)
    except typer.TyperException as exc:  # bad usage: unknown option, missing argument, bad value
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        _die(message.replace("\n", " "), 2)
    except HubError as exc:
        _die(str(exc) or type(exc).__name__, 1)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # a bug of ours: one line for the operator, never a traceback
        _die(f"internal error: {_brief(exc)} (a fault of the hub, not of its input: please report it)", 1)
    sys.exit(code if isinstance(code, int) else 0)


def _brief(exc: Exception) -> str:
    """Type and first clause of an unexpected error, quoted values blanked: a driver's message may
    quote a child's data."""
    from hub.store.faults import scrub  # only on this path: psycopg is no import of every command

    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {scrub(text, set())}" if text else type(exc).__name__


def _die(message: str, code: int) -> None:
    sys.stderr.write(f"msix: {message}\n")
    sys.exit(code)
