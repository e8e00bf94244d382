"""The local broker's security: SASL/SCRAM-SHA-512 for clients (TLS on request, and with it a
second listener where states log in with a client certificate: ``kafka_mtls``), KRaft's
StandardAuthorizer with nothing allowed without an ACL, and the secrets that go with them.

Principals:

- ``msix-operator``: the one super user besides the controller; `msix infra up`, `msix topics apply`
  and `msix states ...` act as it. Its SCRAM credential is written into the metadata log when the
  storage is formatted (``--add-scram``), since nobody could log in to create it afterwards.
- ``msix-hub``: the merge worker and the outbox relay; no super user, only the ACLs it needs (see
  ``producers.acls``). Created through the AdminClient after the broker starts.
- ``msix-web``: the web app (``msix serve``); only what its pages need (``producers.acls.web_bindings``),
  made like ``msix-hub``.
- ``controller``: the broker's own logins to its KRaft controller (the same JVM; in a cluster, also
  the nodes' logins to each other's controllers, with the same password). SCRAM credentials
  live in the metadata log the controller serves, so the controller listener cannot use SCRAM;
  it uses SASL PLAIN with one static user whose password only ``server.properties`` (0600) knows.
  It stays bound to the client host (127.0.0.1 by default), never 0.0.0.0.

The mode is chosen when the storage is formatted and kept in ``kafka/security.mode``: a broker
formatted without SCRAM credentials cannot be switched to SCRAM afterwards (no one could log in),
while plain SASL and SASL over TLS can be switched at any start.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hub.config import Settings
from hub.errors import InfraError
from infra.local import kafka_mtls
from infra.local.cluster import Node, client_bootstrap, plan
from producers.admin import HUB_PRINCIPAL, WEB_PRINCIPAL
from producers.client_config import render_client_file, write_private

OPERATOR = "msix-operator"
HUB = HUB_PRINCIPAL
WEB = WEB_PRINCIPAL
CONTROLLER = "controller"
MECHANISM = "SCRAM-SHA-512"
LISTENERS_WHY = "clients on this node's port (node 1: MSIX_KAFKA_BOOTSTRAP's), its controller one above; this host only"
# Replicas of a cluster fetch from each other over the client listener, so they log in like clients.
INTER_BROKER_WHY = "the brokers' own replication traffic (a single node: Kafka still wants one named)"
# PBKDF2 rounds for the SCRAM credentials made here and by `msix states`: Kafka's own default.
SCRAM_ITERATIONS = 8192


class Mode(StrEnum):
    none = "none"  # PLAINTEXT, no authorizer: the pipeline's development stack before this issue
    sasl = "sasl"  # SASL_PLAINTEXT with SCRAM-SHA-512, authorizer on
    tls = "tls"  # SASL_SSL: the same, over TLS with a certificate from a CA that `infra up` made


DEFAULT_MODE = Mode.sasl


@dataclass(frozen=True)
class Secrets:
    controller_password: str
    operator_password: str


def mode_file(settings: Settings) -> Path:
    return settings.home.kafka_dir / "security.mode"


def secrets_file(settings: Settings) -> Path:
    return settings.home.credentials_dir / "broker.json"


def tls_dir(settings: Settings) -> Path:
    return settings.home.home.resolve() / "tls"


def ca_file(settings: Settings) -> Path:
    return tls_dir(settings) / "ca.pem"


def recorded_mode(settings: Settings, formatted: bool) -> Mode | None:
    """The mode this broker was set up with; None if its storage was never formatted."""
    path = mode_file(settings)
    if path.exists():
        return Mode(path.read_text().strip())
    return Mode.none if formatted else None  # formatted before security existed


def choose_mode(settings: Settings, requested: Mode | None, formatted: bool) -> Mode:
    recorded = recorded_mode(settings, formatted)
    if requested is None:
        return recorded or DEFAULT_MODE
    if recorded is None or recorded == requested:
        return requested
    if Mode.none in (recorded, requested):
        raise InfraError(
            f"the broker under {settings.home.kafka_dir} was set up with security {recorded.value}; "
            f"to run it with {requested.value}, stop it and remove that folder (its data goes with it)"
        )
    return requested  # SCRAM with or without TLS: only the listener changes


def record_mode(settings: Settings, mode: Mode) -> None:
    mode_file(settings).write_text(mode.value + "\n")


def load_or_create_secrets(settings: Settings) -> Secrets:
    path = secrets_file(settings)
    if path.exists():
        data = json.loads(path.read_text())
        return Secrets(data["controller"], data["operator"])
    made = Secrets(new_password(), new_password())
    write_private(path, json.dumps({"controller": made.controller_password, "operator": made.operator_password}))
    return made


def new_password() -> str:
    # URL-safe characters only: they need no quoting in JAAS strings, --add-scram or properties.
    return secrets.token_urlsafe(32)


def client_file(settings: Settings, mode: Mode, username: str, password: str) -> dict[str, str]:
    """A client configuration as librdkafka and Java clients read it."""
    config = {
        "bootstrap.servers": client_bootstrap(settings),
        "security.protocol": "SASL_SSL" if mode is Mode.tls else "SASL_PLAINTEXT",
        "sasl.mechanism": MECHANISM,
        "sasl.username": username,
        "sasl.password": password,
    }
    if mode is Mode.tls:
        config["ssl.ca.location"] = str(ca_file(settings))
    return config


def write_operator_file(settings: Settings, mode: Mode, made: Secrets) -> None:
    config = client_file(settings, mode, OPERATOR, made.operator_password)
    write_private(settings.home.operator_credentials, render_client_file(config, "the hub's operator (super user)"))


def _jaas(module: str, **options: str) -> str:
    return f"{module} required " + " ".join(f'{key}="{value}"' for key, value in options.items()) + ";"


def listener_config(
    settings: Settings, mode: Mode, made: Secrets | None, node: Node | None = None
) -> list[tuple[str, str, str]]:
    """The listener, SASL and authorizer lines of server.properties for ``mode``, on ``node``'s
    ports (the first node's if None)."""
    node = node or plan(settings)[0]
    host, port, controller = node.host, node.port, node.controller_port
    if mode is Mode.none or made is None:
        return [
            (
                "listeners",
                f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
                LISTENERS_WHY,
            ),
            ("advertised.listeners", f"PLAINTEXT://{host}:{port}", "clients come back to the address they used"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "security off"),
            ("inter.broker.listener.name", "PLAINTEXT", INTER_BROKER_WHY),
        ]
    protocol = "SASL_SSL" if mode is Mode.tls else "SASL_PLAINTEXT"
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
    # With TLS, a second way in for states: mutual TLS on a port of its own (kafka_mtls).
    mtls = f",{kafka_mtls.LISTENER}://{kafka_mtls.address(settings, node)}" if mode is Mode.tls else ""
    entries = [
        (
            "listeners",
            f"CLIENT://{host}:{port},CONTROLLER://{host}:{controller}{mtls}",
            LISTENERS_WHY + ("; states' client certificates on the MTLS port" if mtls else ""),
        ),
        ("advertised.listeners", f"CLIENT://{host}:{port}{mtls}", "clients come back to the address they used"),
        (
            "listener.security.protocol.map",
            f"CLIENT:{protocol},CONTROLLER:SASL_PLAINTEXT" + (f",{kafka_mtls.LISTENER}:SSL" if mtls else ""),
            "every connection logs in (SCRAM, or on MTLS a client certificate); TLS on the client listener"
            " when asked for",
        ),
        ("inter.broker.listener.name", "CLIENT", INTER_BROKER_WHY),
        ("sasl.enabled.mechanisms", MECHANISM, "SCRAM: passwords never cross the wire, salted hashes at rest"),
        (
            "sasl.mechanism.inter.broker.protocol",
            MECHANISM,
            "a broker logs in to itself, and to the other brokers of a cluster, as the operator",
        ),
        (
            "listener.name.client.scram-sha-512.sasl.jaas.config",
            _jaas(scram, username=OPERATOR, password=made.operator_password),
            "the credential the broker's own inter-broker client presents",
        ),
        (
            "sasl.mechanism.controller.protocol",
            "PLAIN",
            "SCRAM credentials live in the metadata the controller serves, so it cannot check them itself",
        ),
        ("listener.name.controller.sasl.enabled.mechanisms", "PLAIN", "the controller listener's only mechanism"),
        (
            "listener.name.controller.plain.sasl.jaas.config",
            _jaas(
                plain,
                username=CONTROLLER,
                password=made.controller_password,
                **{f"user_{CONTROLLER}": made.controller_password},
            ),
            "one static user, the nodes themselves (the same password on every node of a cluster);"
            " this file is readable by its owner only",
        ),
        (
            "authorizer.class.name",
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "KRaft's authorizer: ACLs kept in the metadata log",
        ),
        ("allow.everyone.if.no.acl.found", "false", "nothing is allowed without an ACL"),
        (
            "super.users",
            f"User:{OPERATOR};User:{CONTROLLER}",
            "the operator and the broker's own controller login; the hub and the states get ACLs",
        ),
    ]
    if mode is Mode.tls:
        entries += [
            ("listener.name.client.ssl.keystore.type", "PEM", "a key and certificate chain in one PEM file"),
            (
                "listener.name.client.ssl.keystore.location",
                str(tls_dir(settings) / "broker-keystore.pem"),
                "made by `msix infra up --tls`, signed by the CA in the same folder",
            ),
            ("listener.name.client.ssl.truststore.type", "PEM", "the CA, for the broker's own client to itself"),
            (
                "listener.name.client.ssl.truststore.location",
                str(ca_file(settings)),
                "the broker checks its own configuration by connecting to itself: it must trust the CA",
            ),
            ("listener.name.client.ssl.client.auth", "none", "clients prove who they are with SCRAM, not certificates"),
            *kafka_mtls.listener_entries(str(tls_dir(settings) / "broker-keystore.pem"), str(ca_file(settings))),
        ]
    return entries


def scram_format_args(made: Secrets) -> list[str]:
    credential = f"name={OPERATOR},iterations={SCRAM_ITERATIONS},password={made.operator_password}"
    return ["--add-scram", f"{MECHANISM}=[{credential}]"]


def ensure_tls_material(settings: Settings) -> None:
    """A CA and a broker certificate for the client listener's host, made once (keys 0600)."""
    folder = tls_dir(settings)
    keystore = folder / "broker-keystore.pem"
    if keystore.exists() and ca_file(settings).exists():
        return
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "msix local CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    host, _ = settings.kafka.host_port
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        address = ipaddress.ip_address(host)
        if address != ipaddress.ip_address("127.0.0.1"):
            names.append(x509.IPAddress(address))
    except ValueError:
        if host != "localhost":
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pkcs8 = serialization.PrivateFormat.PKCS8
    plain = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    write_private(folder / "ca.key", ca_key.private_bytes(pem, pkcs8, plain).decode())
    ca_file(settings).write_bytes(ca_cert.public_bytes(pem))
    chain = cert.public_bytes(pem) + ca_cert.public_bytes(pem)
    write_private(keystore, (key.private_bytes(pem, pkcs8, plain) + chain).decode())
