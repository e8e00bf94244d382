"""Driver errors sorted into refused, transient and misconfigured; a refusal's reason never quotes
the value (messages as PostgreSQL writes them)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors as pg

from hub.errors import DatabaseMisconfigured, DatabaseRefused, DatabaseUnavailable
from hub.store import faults


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (pg.ProgramLimitExceeded, DatabaseRefused),  # an OperationalError by class, refused by SQLSTATE
        (pg.UntranslatableCharacter, DatabaseRefused),
        (pg.CharacterNotInRepertoire, DatabaseRefused),
        (pg.NumericValueOutOfRange, DatabaseRefused),
        (pg.UniqueViolation, DatabaseRefused),
        (pg.AdminShutdown, DatabaseUnavailable),
        (pg.SerializationFailure, DatabaseUnavailable),
        (pg.DeadlockDetected, DatabaseUnavailable),
        (pg.CannotConnectNow, DatabaseUnavailable),
        (pg.OutOfMemory, DatabaseUnavailable),
        (pg.LockNotAvailable, DatabaseUnavailable),
        (pg.UndefinedTable, DatabaseMisconfigured),
        (pg.InsufficientPrivilege, DatabaseMisconfigured),
        (psycopg.OperationalError, DatabaseUnavailable),  # a lost connection carries no SQLSTATE
        (psycopg.InterfaceError, DatabaseUnavailable),  # "the connection is closed"
        (psycopg.DataError, DatabaseRefused),  # the driver refusing a NUL byte before sending
    ],
)
def test_kinds(error: type[psycopg.Error], kind: type[Exception]) -> None:
    assert isinstance(faults.translate(error("x")), kind)


def test_an_internal_error_passes_through() -> None:
    assert faults.translate(pg.InternalError_("x")) is None
    with pytest.raises(pg.InternalError_), faults.translated():
        raise pg.InternalError_("x")


def test_translated_chains_the_driver_error() -> None:
    with pytest.raises(DatabaseUnavailable) as caught, faults.translated():
        raise pg.AdminShutdown("terminating connection due to administrator command")
    assert isinstance(caught.value.__cause__, pg.AdminShutdown)


UNIQUE = 'duplicate key value violates unique constraint "uq"'
CHECK = 'new row for relation "record" violates check constraint '
BYTES = 'character with byte sequence 0xe2 in encoding "UTF8" has no equivalent in '


@pytest.mark.parametrize(
    ("message", "names", "expected"),
    [
        (
            'index row size 6016 exceeds btree version 4 maximum 2704 for index "state_identity_pkey"',
            {"state_identity_pkey", "state_identity"},
            'index row size 6016 exceeds btree version 4 maximum 2704 for index "state_identity_pkey"',
        ),
        ('value "123456789012" is out of range for type integer', set(), 'value "…" is out of range for type integer'),
        ('invalid input syntax for type date: "José Ramírez"', set(), "invalid input syntax for type date"),
        ('invalid byte sequence for encoding "UTF8": 0x00', set(), 'invalid byte sequence for encoding "UTF8"'),
        (UNIQUE, {"uq"}, UNIQUE),
        (CHECK + '"Ana"', {"record"}, CHECK + '"…"'),
        (BYTES + '"JOSE"', set(), BYTES + '"…"'),  # capitals are no encoding's name
    ],
)
def test_scrub_keeps_names_and_drops_values(message: str, names: set[str], expected: str) -> None:
    assert faults.scrub(message, names) == expected
