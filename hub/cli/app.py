"""The ``msix`` command line. User mistakes end in one line on stderr and exit 2; the hub's own
faults in one line and exit 1: never a traceback."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError

from hub.cli import identity_cmds, infra_cmds, outbox_cmds, pipeline_cmds, read_cmds, states_cmds, worklist_cmds
from hub.cli.corrections_cmds import corrections_app
from hub.cli.counts_cmds import counts_app
from hub.cli.parked_cmds import parked_app
from hub.cli.requests_cmds import requests_app
from hub.config import HomeSettings
from hub.errors import HubError, UserInputError
from hub.logging import configure
from infra.local.pg_secrets import use_home_passfile

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="MSIX hub: migrant students' records exchanged between states.",
)
app.add_typer(infra_cmds.infra_app, name="infra")
app.add_typer(infra_cmds.topics_app, name="topics")
app.command("publish")(pipeline_cmds.publish)
app.command("worker")(pipeline_cmds.worker)
app.add_typer(read_cmds.student_app, name="student")
app.command("export")(read_cmds.export)
app.add_typer(read_cmds.notices_app, name="notices")
app.command("rejected")(read_cmds.rejected)
app.add_typer(worklist_cmds.worklist_app, name="worklist")
app.add_typer(identity_cmds.identity_app, name="identity")
app.add_typer(states_cmds.states_app, name="states")
app.add_typer(parked_app, name="parked")
app.add_typer(outbox_cmds.outbox_app, name="outbox")
app.add_typer(requests_app, name="requests")
app.add_typer(counts_app, name="counts")
app.add_typer(corrections_app, name="corrections")


def _register_optional() -> None:
    from hub.cli import bench_cmds, demo_cmds, web_cmds

    app.command("demo")(demo_cmds.demo)
    app.add_typer(bench_cmds.bench_app, name="bench")
    app.command("serve")(web_cmds.serve)
    app.add_typer(web_cmds.users_app, name="users")


def main() -> None:
    configure()
    # The local cluster's logins (SCRAM passwords kept under MSIX_HOME), for every connection this
    # process and its children make; a real cluster's PGPASSFILE or URL password is left alone.
    use_home_passfile(HomeSettings())
    _register_optional()
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
