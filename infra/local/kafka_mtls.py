"""Mutual TLS: the second way in for a state, beside SCRAM. ``msix infra up --tls`` opens it.

A listener of its own (``MTLS``, protocol SSL) on which the broker requires a client certificate
signed by the hub's CA (the one ``--tls`` makes under ``$MSIX_HOME/tls``). The certificate's subject
becomes the principal through ``ssl.principal.mapping.rules``: ``CN=state-TX,OU=states,O=msix-hub``
is ``User:state-TX``, the same principal SCRAM logs in as, so every ACL applies unchanged. A subject
the rule does not match gets no principal and is refused: no other certificate the CA signed (the
broker's own) can log in here.

Ports, from the port ``P`` of node 1's client listener: node N's mutual-TLS listener is
``P+6+(N-1)``, just above a three-node cluster's client and controller ports (P..P+5): 9098 for a
single node, 9098, 9099 and 9100 for a cluster.
"""

from __future__ import annotations

from hub.config import Settings
from infra.local import cluster
from infra.local.cluster import Node

LISTENER = "MTLS"
# Above the cluster's block of client and controller ports (P..P+5), one a node.
OFFSET = 6
SUBJECT_OU = "states"
SUBJECT_O = "msix-hub"
# The CN must end in state-XX (with the deployment's topic prefix before it, as the SCRAM users);
# OU and O pin it to the certificates `msix states certificate` makes. No DEFAULT: any other
# subject has no principal, and the broker closes the connection.
MAPPING_RULE = rf"RULE:^CN=([^,]*state-[A-Z][A-Z]),OU={SUBJECT_OU},O={SUBJECT_O}$/$1/"


def port(settings: Settings, node: Node) -> int:
    first = cluster.plan(settings)[0]
    return first.port + OFFSET + node.id - 1


def address(settings: Settings, node: Node) -> str:
    return f"{node.host}:{port(settings, node)}"


def bootstrap(settings: Settings) -> str:
    """Every node's mutual-TLS address: what a state's certificate-based client file lists."""
    nodes = cluster.plan(settings, cluster.recorded_count(settings))
    return ",".join(address(settings, node) for node in nodes)


def listener_entries(keystore: str, truststore: str) -> list[tuple[str, str, str]]:
    """The ``listener.name.mtls.*`` lines of server.properties (the listener itself is named with
    the others in ``kafka_security.listener_config``)."""
    prefix = f"listener.name.{LISTENER.lower()}."
    return [
        (prefix + "ssl.keystore.type", "PEM", "the broker's key and certificate, as on the SCRAM listener"),
        (prefix + "ssl.keystore.location", keystore, "the same broker certificate as the client listener"),
        (prefix + "ssl.truststore.type", "PEM", "the hub's CA in a PEM file"),
        (
            prefix + "ssl.truststore.location",
            truststore,
            "only certificates the hub's CA signed (`msix states certificate`) are accepted",
        ),
        (prefix + "ssl.client.auth", "required", "no certificate, no connection: the certificate is the login"),
        (
            prefix + "ssl.principal.mapping.rules",
            MAPPING_RULE,
            "the subject CN=state-ST,OU=states,O=msix-hub is User:state-ST, the SCRAM user's principal,"
            " so its ACLs apply unchanged; no other subject maps to a principal",
        ),
    ]
