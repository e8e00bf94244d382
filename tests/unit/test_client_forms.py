"""The credential forms and the state certificates, without a broker: what each client is given,
and that the broker's mapping rule turns a state certificate's subject into the state's principal."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509

from hub.config import HomeSettings, KafkaSettings, Settings
from hub.errors import UserInputError
from infra.local import kafka_config, kafka_mtls, kafka_security
from infra.local.kafka_security import Mode
from producers import certificates
from producers.client_forms import ClientKind, form

LIBRDKAFKA = {
    "bootstrap.servers": "127.0.0.1:9092",
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "state-MI",
    "sasl.password": "pw-_1",
    "ssl.ca.location": "/h/tls/ca.pem",
}


def test_the_java_form_has_a_jaas_line_and_a_pem_truststore_and_no_librdkafka_keys() -> None:
    java = form(LIBRDKAFKA, ClientKind.java)
    assert java["sasl.jaas.config"] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="state-MI" password="pw-_1";'
    )
    assert java["ssl.truststore.type"] == "PEM" and java["ssl.truststore.location"] == "/h/tls/ca.pem"
    assert not {"sasl.username", "sasl.password", "ssl.ca.location"} & set(java)
    assert form(LIBRDKAFKA, ClientKind.librdkafka) == LIBRDKAFKA


def test_the_connect_form_repeats_the_java_form_for_the_workers_clients() -> None:
    java = form(LIBRDKAFKA, ClientKind.java)
    connect = form(LIBRDKAFKA, ClientKind.connect)
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert {key: connect[prefix + key] for key in java} == java


def java_mapping(rule: str, subject: str) -> str | None:
    """What Kafka's ``RULE:pattern/replacement/`` does with a subject (Java and Python regexes
    agree on this pattern)."""
    found = re.fullmatch(r"RULE:(.*)/(.*)/", rule)
    assert found is not None
    pattern, replacement = found.groups()
    matched = re.search(pattern, subject)
    return None if matched is None else matched.expand(replacement.replace("$1", r"\1"))


def settings(tmp_path: Path) -> Settings:
    return Settings(home=HomeSettings(home=tmp_path), kafka=KafkaSettings(bootstrap="127.0.0.1:9092"))


def test_a_state_certificate_maps_to_the_state_principal_and_nothing_else_does(tmp_path: Path) -> None:
    s = settings(tmp_path)
    kafka_security.ensure_tls_material(s)
    ca = certificates.CA(kafka_security.ca_file(s), kafka_security.tls_dir(s) / "ca.key")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    issued = certificates.issue(ca, "t1.state-MI", tmp_path / "mi", "127.0.0.1:9098", renew=False, now=now)
    assert issued.subject == "CN=t1.state-MI,OU=states,O=msix-hub"
    assert issued.not_after == now + certificates.LIFETIME
    assert java_mapping(kafka_mtls.MAPPING_RULE, issued.subject) == "t1.state-MI"
    for other in ("CN=msix-operator,OU=states,O=msix-hub", "CN=state-MI", "CN=state-MI,OU=states,O=other"):
        assert java_mapping(kafka_mtls.MAPPING_RULE, other) is None, other
    cert = x509.load_pem_x509_certificate((tmp_path / "mi" / "certificate.pem").read_bytes())
    assert cert.issuer == x509.load_pem_x509_certificate(kafka_security.ca_file(s).read_bytes()).subject
    assert not (tmp_path / "mi" / "ca.key").exists()
    with pytest.raises(UserInputError, match="--renew"):
        certificates.issue(ca, "t1.state-MI", tmp_path / "mi", "127.0.0.1:9098", renew=False, now=now)


def test_tls_opens_the_mutual_tls_listener_on_each_nodes_own_port(tmp_path: Path) -> None:
    s = settings(tmp_path)
    made = kafka_security.Secrets("c", "o")
    for node in (1, 2, 3):
        lines = {key: value for key, value, _ in kafka_config.broker_config(s, Mode.tls, made, node, 3)}
        assert f"MTLS://127.0.0.1:{9097 + node}" in lines["listeners"]
        assert lines["listener.security.protocol.map"].endswith(",MTLS:SSL")
        assert lines["listener.name.mtls.ssl.client.auth"] == "required"
    sasl = {key: value for key, value, _ in kafka_config.broker_config(s, Mode.sasl, made)}
    assert "MTLS" not in sasl["listeners"] and not any(key.startswith("listener.name.mtls") for key in sasl)
