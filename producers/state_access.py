"""A state's principal on the broker: ``msix states add|credentials|remove``.

State ST is the SCRAM user ``state-ST`` (with the deployment's topic prefix in front, so tests on
one broker do not share users) holding exactly ``acls.state_bindings``. Its password is never stored
by the hub: ``issue_credentials`` sets a new one and returns it once, in the client configuration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from hub.config import KafkaSettings, Settings
from hub.errors import UserInputError
from infra.local import kafka_mtls
from infra.local.kafka_security import MECHANISM, ca_file, new_password, tls_dir
from producers import acls, certificates, principals
from producers.admin import admin_client
from producers.client_config import read_client_file
from producers.topics import Topics


def principal_name(topics: Topics, state: str) -> str:
    return f"{topics.prefix}state-{state}"


@dataclass(frozen=True)
class Removed:
    credential: bool
    acls: int


def _require_security(settings: KafkaSettings) -> None:
    if settings.credentials is None:
        raise UserInputError("Kafka security is off on this broker (`msix infra up --security` sets up a new one)")


def add(settings: KafkaSettings, state: str) -> bool:
    """Create the state's user (unless it exists: its password is kept) and its ACLs; True if new."""
    _require_security(settings)
    admin = admin_client(settings)
    topics = Topics(settings.topic_prefix)
    user = principal_name(topics, state)
    created = not principals.scram_exists(admin, user)
    if created:
        # A password nobody knows: the state gets one from `msix states credentials`.
        principals.set_scram_password(admin, user, new_password())
    acls.create(admin, acls.state_bindings(user, topics, state))
    return created


def issue_credentials(settings: KafkaSettings, state: str) -> dict[str, str]:
    """Give the state a new password (the previous one stops working) and return its client
    configuration: the only place the password ever appears."""
    _require_security(settings)
    admin = admin_client(settings)
    topics = Topics(settings.topic_prefix)
    user = principal_name(topics, state)
    # A user created a moment ago may not be in the broker's metadata cache yet: look again briefly.
    # A removed state keeps its (revoked) user but no ACL: it needs `states add` again.
    if not principals.scram_exists(admin, user, patience=3.0) or not acls.has_any(admin, user):
        raise UserInputError(f"{state} has no Kafka principal: run `msix states add {state}` first")
    password = new_password()
    principals.set_scram_password(admin, user, password)
    assert settings.credentials is not None
    operator = read_client_file(settings.credentials)
    config = {
        "bootstrap.servers": operator.get("bootstrap.servers", settings.bootstrap),
        "security.protocol": operator.get("security.protocol", "SASL_PLAINTEXT"),
        "sasl.mechanism": MECHANISM,
        "sasl.username": user,
        "sasl.password": password,
    }
    if "ssl.ca.location" in operator:
        config["ssl.ca.location"] = operator["ssl.ca.location"]
    return config


def issue_certificate(settings: Settings, state: str, folder: Path, renew: bool) -> certificates.Issued:
    """Sign a client certificate for the state's principal with the hub's CA and write it, with
    its client configurations, into ``folder`` (``producers.certificates``)."""
    _require_security(settings.kafka)
    ca = certificates.CA(ca_file(settings), tls_dir(settings) / "ca.key")
    if not ca.key.exists():
        raise UserInputError("mutual TLS needs the hub's CA: start the broker with `msix infra up --tls`")
    user = principal_name(Topics(settings.kafka.topic_prefix), state)
    # A certificate for a principal without ACLs would log in and be refused everything.
    if not acls.has_any(admin_client(settings.kafka), user):
        raise UserInputError(f"{state} has no Kafka principal: run `msix states add {state}` first")
    now = dt.datetime.now(dt.UTC)
    return certificates.issue(ca, user, folder, kafka_mtls.bootstrap(settings), renew, now)


def remove(settings: KafkaSettings, state: str) -> Removed:
    """Revoke the state's credential (``principals.revoke_scram``) and delete every ACL of its
    principal. Connections it has open are refused from their next request (the ACLs are gone); new
    logins fail."""
    _require_security(settings)
    admin = admin_client(settings)
    user = principal_name(Topics(settings.topic_prefix), state)
    return Removed(credential=principals.revoke_scram(admin, user), acls=acls.delete_principal(admin, user))
