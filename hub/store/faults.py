"""psycopg's errors translated at the store's edge into the three kinds the worker acts on.

* refused (``DatabaseRefused``): the value is at fault (SQLSTATE classes 22, 23, 54, or the driver
  refusing a value before sending it, e.g. a NUL byte). The batch is split to find it.
* transient (``DatabaseUnavailable``): the database is away for now (classes 08, 40, 53, 55P03,
  57, 58, a lost connection). Roll back, wait, run again.
* misconfigured (``DatabaseMisconfigured``): the database refuses the hub itself (classes 28, 3D,
  42: authentication, a missing database, table or privilege). Waiting cannot help.

Anything else (an internal error, a bug of ours) passes through untranslated.

A refusal's reason is built from the SQLSTATE and the diagnostic's names (constraint, table,
column, type), never from the value: PostgreSQL's message is cut at its first ``": "`` (after which
it quotes the input) and any other quoted text that is not one of those names is blanked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from hub.config import DatabaseSettings
from hub.errors import DatabaseMisconfigured, DatabaseRefused, DatabaseUnavailable, HubError

REFUSED_CLASSES = frozenset({"22", "23", "54"})
TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})
TRANSIENT_STATES = frozenset({"55P03"})  # lock_not_available: someone else holds it, for now
MISCONFIGURED_CLASSES = frozenset({"28", "3D", "42"})

# What the server says, at connection time, when the hub's settings are wrong rather than the
# server away ("the database system is starting up" is not among them).
_REFUSES_HUB = re.compile(r"does not exist|authentication failed|pg_hba\.conf|permission denied|password")
_QUOTED = re.compile(r'"([^"]*)"')
# An encoding's name ("UTF8", "LATIN1"), which a message about bytes quotes: no student's data.
_ENCODING = re.compile(r"UTF8|SQL_ASCII|LATIN\d+|WIN\d+|ISO_8859_\d+|EUC_[A-Z_]+|KOI8[RU]|SJIS|BIG5|GBK|UHC|GB18030")


def translate(exc: psycopg.Error) -> HubError | None:
    """The hub's error for a driver error, or None when it is none of the three kinds."""
    state = exc.sqlstate
    if state is not None:
        if state[:2] in REFUSED_CLASSES:
            return DatabaseRefused(refused_reason(exc), state)
        if state[:2] in TRANSIENT_CLASSES or state in TRANSIENT_STATES:
            return DatabaseUnavailable(f"PostgreSQL unavailable: {type(exc).__name__} (SQLSTATE {state})")
        if state[:2] in MISCONFIGURED_CLASSES:
            return DatabaseMisconfigured(f"PostgreSQL refuses the hub: {refused_reason(exc)}")
        return None
    if isinstance(exc, psycopg.DataError):  # refused by the driver, before the server saw it
        return DatabaseRefused(f"refused by the database driver: {type(exc).__name__}: {_first_clause(str(exc))}")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return DatabaseUnavailable(f"PostgreSQL unavailable: {type(exc).__name__}: {_first_clause(str(exc))}")
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Run a block of store calls; a driver error leaves it as the hub's (chained to the original)."""
    try:
        yield
    except psycopg.Error as exc:
        err = translate(exc)
        if err is None:
            raise
        raise err from exc


def refused_reason(exc: psycopg.Error) -> str:
    """SQLSTATE, class name, PostgreSQL's message without the value, and the constraint or column."""
    d = exc.diag
    names = {n for n in (d.constraint_name, d.table_name, d.column_name, d.datatype_name) if n}
    message = scrub(d.message_primary or "", names)
    labelled = (("constraint", d.constraint_name), ("column", d.column_name))
    where = [f"{label} {name}" for label, name in labelled if name]
    tail = f" ({', '.join(where)})" if where else ""
    return f"refused by the database: SQLSTATE {exc.sqlstate} {type(exc).__name__}: {message}{tail}"


def scrub(message: str, names: set[str]) -> str:
    """A server message without the input it quotes: cut at ``": "``, other quotes blanked unless
    they are the diagnostic's own names (an index, a table) or an encoding's."""

    def keep(m: re.Match[str]) -> str:
        text = m.group(1)
        return m.group(0) if text in names or _ENCODING.fullmatch(text) or text.endswith("_pkey") else '"…"'

    return _QUOTED.sub(keep, _first_clause(message))


def _first_clause(message: str) -> str:
    return message.split("\n", 1)[0].split(": ", 1)[0][:200]


def connect(settings: DatabaseSettings, timeout_s: int = 5) -> psycopg.Connection:
    """A worker connection, or the hub's error saying why not. The timeout bounds one attempt while
    PostgreSQL is away (a signal must stop the worker within seconds)."""
    try:
        return psycopg.connect(settings.libpq_url, autocommit=False, connect_timeout=timeout_s)
    except psycopg.OperationalError as exc:
        # A refused connection carries no SQLSTATE in libpq: the server's FATAL line says which kind.
        line = str(exc).split("\n", 1)[0]
        if _REFUSES_HUB.search(line):
            raise DatabaseMisconfigured(f"PostgreSQL at port {settings.port} refuses the hub: {line}") from exc
        raise DatabaseUnavailable(f"cannot reach PostgreSQL at port {settings.port}: {line}") from exc
