"""``msix bench security``: what Kafka security costs the pipeline, measured side by side.

The same benchmark (``hub.bench.pipeline``: publish N events, merge them until idle) runs against
two brokers on this machine, in alternating rounds so that the load of the moment hits both alike:
the secure one of ``$MSIX_HOME`` (SASL/SCRAM-SHA-512, ACLs; the connector and the worker log in as
the operator and as ``msix-hub``) and a plaintext broker started for the comparison under
``$MSIX_HOME/bench-plaintext``, one port pair above, sharing the same PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.bench import pipeline
from hub.config import HomeSettings, KafkaSettings, Settings
from hub.errors import UserInputError
from infra.local import kafka
from infra.local.kafka_security import Mode

PORT_OFFSET = 20


@dataclass
class Round:
    secure: pipeline.PipelineFigures
    plain: pipeline.PipelineFigures


def plaintext_settings(secure: Settings) -> Settings:
    host, port = secure.kafka.host_port
    return Settings(
        home=HomeSettings(home=secure.home.home.resolve() / "bench-plaintext", cache=secure.home.cache),
        kafka=KafkaSettings(bootstrap=f"{host}:{port + PORT_OFFSET}"),
        database=secure.database,
    )


def run(secure: Settings, events: int, rounds: int, seed: int, report: Callable[[str], None]) -> list[Round]:
    if secure.kafka.credentials is None:
        raise UserInputError("the broker runs without security: `msix infra up` a new one to compare")
    plain = plaintext_settings(secure)
    report(f"starting a plaintext broker on {plain.kafka.bootstrap} for the comparison")
    kafka.start(plain, Mode.none)
    results = []
    try:
        for n in range(rounds):
            # Alternate which goes first: a warming JIT or a neighbour's load should not favour one.
            order = [("plaintext", plain), ("secure", secure)]
            if n % 2:
                order.reverse()
            figures = {}
            for name, s in order:
                report(f"round {n + 1}/{rounds}: {name}")
                figures[name] = pipeline.run(s, events, seed, _prefixed(report, name))
            results.append(Round(secure=figures["secure"], plain=figures["plaintext"]))
    finally:
        kafka.stop(plain)
    return results


def _prefixed(report: Callable[[str], None], name: str) -> Callable[[str], None]:
    return lambda msg: report(f"  {name}: {msg}")
