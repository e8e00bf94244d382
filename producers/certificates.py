"""A state's client certificate for mutual TLS: ``msix states certificate ST -o DIR``.

The hub's CA (made by ``msix infra up --tls``) signs a key made here for one state. The subject,
``CN=<principal>,OU=states,O=msix-hub``, is mapped by the broker to the state's principal
(``infra.local.kafka_mtls``), so the state's ACLs apply as they do to its SCRAM login. The folder
gets what librdkafka (kcat included) and Java read as they are; never the CA's key.

- ``key.pem`` (0600), ``certificate.pem``, ``ca.pem``: PEM, for librdkafka;
- ``keystore.p12`` (0600): key and certificate in PKCS12, for Java, with its password in
  ``java.properties``;
- ``librdkafka.properties`` and ``java.properties`` (0600): the client configurations.

A certificate lives ``LIFETIME``: revoking a state (``msix states remove``) deletes its ACLs, so a
certificate alone grants nothing; the short lifetime bounds how long a copy of the key could be
used should the state be enrolled again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.errors import UserInputError
from infra.local import kafka_mtls
from infra.local.kafka_security import new_password
from producers.client_config import render_client_file, write_private

LIFETIME = dt.timedelta(days=90)
CERTIFICATE = "certificate.pem"


@dataclass(frozen=True)
class CA:
    certificate: Path
    key: Path


@dataclass(frozen=True)
class Issued:
    folder: Path
    subject: str
    not_after: dt.datetime


def subject(principal: str) -> x509.Name:
    # RFC 4514 (and Java's RFC 2253 form, which the broker's mapping rule reads) lists the
    # attributes last first: CN=...,OU=states,O=msix-hub.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, kafka_mtls.SUBJECT_O),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, kafka_mtls.SUBJECT_OU),
            x509.NameAttribute(NameOID.COMMON_NAME, principal),
        ]
    )


def not_after(folder: Path) -> dt.datetime | None:
    """When the certificate in ``folder`` expires; None if there is none."""
    path = folder / CERTIFICATE
    if not path.exists():
        return None
    return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc


def common_name(path: Path) -> str:
    """The CN of a certificate file: the principal a mutual-TLS client is to the broker."""
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def issue(ca: CA, principal: str, folder: Path, bootstrap: str, renew: bool, now: dt.datetime) -> Issued:
    """Sign a new key for ``principal`` and write the folder; refuse to replace a certificate
    there unless ``renew``."""
    expires = not_after(folder)
    if expires is not None and not renew:
        raise UserInputError(
            f"{folder} already holds a certificate (valid until {expires:%Y-%m-%d}); --renew replaces it"
        )
    ca_cert = x509.load_pem_x509_certificate(ca.certificate.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    name = subject(principal)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # a client clock a little behind
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder, key, cert, ca_cert, bootstrap)
    return Issued(folder, name.rfc4514_string(), cert.not_valid_after_utc)


def _write(
    folder: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, ca_cert: x509.Certificate, bootstrap: str
) -> None:
    folder = folder.resolve()
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_private(folder / "key.pem", key_pem.decode())
    (folder / CERTIFICATE).write_bytes(cert.public_bytes(pem))
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    password = new_password()
    p12 = pkcs12.serialize_key_and_certificates(
        b"state", key, cert, None, serialization.BestAvailableEncryption(password.encode())
    )
    _write_private_bytes(folder / "keystore.p12", p12)
    librdkafka = {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SSL",  # no SASL: the certificate is the login
        "ssl.ca.location": str(folder / "ca.pem"),
        "ssl.certificate.location": str(folder / CERTIFICATE),
        "ssl.key.location": str(folder / "key.pem"),
    }
    java = {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SSL",
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(folder / "keystore.p12"),
        "ssl.keystore.password": password,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(folder / "ca.pem"),
    }
    comment = "mutual TLS client configuration for {}; keep it secret"
    write_private(folder / "librdkafka.properties", render_client_file(librdkafka, comment.format("librdkafka")))
    write_private(folder / "java.properties", render_client_file(java, comment.format("Java")))


def _write_private_bytes(path: Path, data: bytes) -> None:
    write_private(path, "")  # created 0600 before any secret byte is in it
    path.write_bytes(data)
