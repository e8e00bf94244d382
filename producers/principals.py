"""SCRAM users on the broker, through the AdminClient: created, re-keyed, revoked. The broker keeps
only salted hashes; a password exists in clear only in the client file it was written to."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from hub.errors import InfraError

TIMEOUT = 30.0
ITERATIONS = 8192  # Kafka's default PBKDF2 rounds for SCRAM-SHA-512


def scram_exists(admin: AdminClient, user: str, patience: float = 0.0) -> bool:
    """Does the user have a SCRAM credential? With ``patience``, ask again for that long before
    answering no (the broker learns of a new credential from the controller a moment later)."""
    deadline = time.monotonic() + patience
    while True:
        if _scram_exists(admin, user):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _scram_exists(admin: AdminClient, user: str) -> bool:
    futures: Any = admin.describe_user_scram_credentials([user], request_timeout=TIMEOUT)
    future = futures[user]
    try:
        described = future.result()
    except KafkaException as exc:
        if exc.args[0].code() == KafkaError.RESOURCE_NOT_FOUND:
            return False
        raise InfraError(f"describing the SCRAM user {user}: {exc.args[0].str()}") from exc
    return bool(described.scram_credential_infos)


def set_scram_password(admin: AdminClient, user: str, password: str) -> None:
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS)
    upsert = UserScramCredentialUpsertion(user, info, password.encode(), secrets.token_bytes(32))
    _wait(admin.alter_user_scram_credentials([upsert], request_timeout=TIMEOUT), user)


def revoke_scram(admin: AdminClient, user: str) -> bool:
    """Make the user's SCRAM credential useless: replace its password with random bytes that are
    never written anywhere, so no one can log in as the user again; False if there was none.

    Why not delete it: on Kafka 4.1.1 (KRaft), once a SCRAM credential has been deleted, a broker
    restarted afterwards refuses every SCRAM login, the operator's and the hub's included (it replays
    the metadata log into an empty credential cache). `tests/integration/test_security.py` restarts a
    broker after a revocation to hold this in place. The user stays listed, without a usable secret."""
    if not _scram_exists(admin, user):
        return False
    set_scram_password(admin, user, secrets.token_urlsafe(32))
    return True


def _wait(futures: Mapping[str, Future[Any]], user: str) -> None:
    for future in futures.values():
        try:
            future.result()
        except KafkaException as exc:
            err = exc.args[0]
            raise InfraError(f"SCRAM user {user}: {err.name()}: {err.str()}") from exc
