"""One SCRAM credential written for each kind of client (``msix states credentials ST --client``).

librdkafka (the hub's own client, kcat, confluent-kafka in any language) reads ``sasl.username``
and ``sasl.password`` and refuses ``sasl.jaas.config``; the Java client reads only
``sasl.jaas.config`` (without it: "Could not find a 'KafkaClient' entry in the JAAS
configuration"). So one file cannot serve both: each form is written from the same settings.
"""

from __future__ import annotations

from enum import StrEnum

SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
# Kafka Connect gives its own producers, consumers and admin clients only the settings under
# these prefixes: the worker's own (top-level) ones are not passed down.
CONNECT_PREFIXES = ("producer.", "consumer.", "admin.")


class ClientKind(StrEnum):
    librdkafka = "librdkafka"  # the default: the form the contract promised from the start
    java = "java"  # Kafka's console tools, a Java service
    connect = "connect"  # a Kafka Connect worker (the Java form, and again for its clients)


def java_form(config: dict[str, str]) -> dict[str, str]:
    """The Java client's form of a librdkafka SCRAM configuration."""
    java = {
        "bootstrap.servers": config["bootstrap.servers"],
        "security.protocol": config["security.protocol"],
        "sasl.mechanism": config["sasl.mechanism"],
        # Passwords are URL-safe characters: nothing to escape inside the quotes.
        "sasl.jaas.config": (
            f'{SCRAM_MODULE} required username="{config["sasl.username"]}" password="{config["sasl.password"]}";'
        ),
    }
    if "ssl.ca.location" in config:
        # Java trusts a PEM file of certificates directly (no keytool, no JKS); the broker's name
        # is still checked against its certificate (ssl.endpoint.identification.algorithm=https).
        java["ssl.truststore.type"] = "PEM"
        java["ssl.truststore.location"] = config["ssl.ca.location"]
    return java


def connect_form(config: dict[str, str]) -> dict[str, str]:
    java = java_form(config)
    return java | {prefix + key: value for prefix in CONNECT_PREFIXES for key, value in java.items()}


def form(config: dict[str, str], kind: ClientKind) -> dict[str, str]:
    if kind is ClientKind.java:
        return java_form(config)
    if kind is ClientKind.connect:
        return connect_form(config)
    return config
