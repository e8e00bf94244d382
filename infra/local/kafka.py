"""A single-node Apache Kafka 4 (KRaft) started from the jars that ``make setup`` cached.

Everything lives under ``settings.home.kafka_dir``: ``server.properties`` (written anew at every
start from the settings), ``data/`` (the log and the KRaft metadata), ``logs/server.log`` (log4j2),
``kafka.out`` (the JVM's own stdout and stderr) and ``kafka.pid``.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from hub.config import Settings
from hub.errors import InfraError
from infra.local import kafka_security, process
from infra.local.kafka_security import Mode
from producers.client_config import client_config, render_client_file, write_private

NAME = "kafka"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
HEAP = "512m"


@dataclass(frozen=True)
class KafkaPaths:
    root: Path
    config: Path
    data: Path
    logs: Path
    out: Path
    pid: Path

    @property
    def formatted(self) -> bool:
        return (self.data / "meta.properties").exists()


def paths(settings: Settings) -> KafkaPaths:
    root = settings.home.kafka_dir
    return KafkaPaths(
        root=root,
        config=root / "server.properties",
        data=root / "data",
        logs=root / "logs",
        out=root / "kafka.out",
        pid=root / "kafka.pid",
    )


def addresses(settings: Settings) -> tuple[str, int, int]:
    """(host, client port, controller port): the controller listens one port above the clients."""
    host, port = settings.kafka.host_port
    return host, port, port + 1


def broker_config(
    settings: Settings, mode: Mode = Mode.none, made: kafka_security.Secrets | None = None
) -> list[tuple[str, str, str]]:
    """``(key, value, why)`` for every line of server.properties."""
    host, _, controller = addresses(settings)
    p = paths(settings)
    return [
        ("process.roles", "broker,controller", "one JVM is both the KRaft controller and the broker"),
        ("node.id", "1", "the only node; it is also the only voter below"),
        (
            "controller.quorum.voters",
            f"1@{host}:{controller}",
            "a static quorum of one: no dynamic voter changes to manage on a dev machine",
        ),
        *kafka_security.listener_config(settings, mode, made),
        ("controller.listener.names", "CONTROLLER", "which listener speaks the Raft protocol"),
        ("log.dirs", str(p.data), "topic data and the KRaft metadata log, under MSIX_HOME"),
        ("auto.create.topics.enable", "false", "topics come from `msix topics apply`, never from a typo"),
        ("group.initial.rebalance.delay.ms", "0", "a consumer group starts at once instead of after 3 s"),
        ("offsets.topic.replication.factor", "1", "one broker: the default 3 could never be met"),
        (
            "offsets.topic.num.partitions",
            "10",
            "__consumer_offsets is made at the first group join; 50 partitions would slow that join",
        ),
        ("transaction.state.log.replication.factor", "1", "one broker"),
        ("transaction.state.log.min.isr", "1", "one broker"),
        ("transaction.state.log.num.partitions", "10", "made at first transactional use; keep it quick"),
        ("share.coordinator.state.topic.replication.factor", "1", "one broker"),
        ("share.coordinator.state.topic.min.isr", "1", "one broker"),
        ("default.replication.factor", "1", "topics created with the broker's default replication"),
        ("min.insync.replicas", "1", "acks=all means this one broker wrote it"),
        ("num.partitions", "1", "only used for topics created without a count, which we never do"),
        ("num.network.threads", "2", "a small machine: fewer threads than the defaults sized for servers"),
        ("num.io.threads", "4", "a small machine"),
        ("log.retention.hours", "168", "a week of history, as in production, so replays can be tried"),
    ]


def render_properties(entries: list[tuple[str, str, str]]) -> str:
    head = "# Written by infra/local/kafka.py at every start; edits here are overwritten.\n"
    return head + "".join(f"\n# {why}\n{key}={value}\n" for key, value, why in entries)


def new_cluster_id() -> str:
    """What ``kafka-storage random-uuid`` prints: a UUID's 16 bytes, URL-safe base64 without padding.

    Like Kafka's own ``Uuid.randomUuid()``, never one starting with "-": the storage tool would
    take it for an option (one id in 64 would fail ``format``).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def log4j_config() -> Path:
    return Path(str(resources.files("infra").joinpath("kafka", "log4j2.yaml")))


def java_command(settings: Settings, main: str, heap: str = HEAP) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise InfraError("no `java` on PATH: run `make setup` (it installs a Java 17+ runtime)")
    libs = settings.home.kafka_libs
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise InfraError(f"Kafka's jars are missing from {libs}: run `make setup`")
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        # Kafka's own start scripts use G1 with short pauses; the same here.
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        # Full tiered compilation (C2) kept: limiting the JIT to C1 started the broker ~2 s faster,
        # but the merge worker's throughput dropped ~12% (8,200 vs 9,300 events/s on 300,000 events,
        # back to back), the broker spending more of the two cores on serving fetches.
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={paths(settings).logs}",
        f"-Dlog4j2.configurationFile={log4j_config()}",
        "-cp",
        f"{libs}/*",
        main,
    ]


def _format(settings: Settings, made: kafka_security.Secrets | None) -> None:
    p = paths(settings)
    # Static voters (controller.quorum.voters) means no --standalone / --initial-controllers flag:
    # those are for the dynamic quorum (controller.quorum.bootstrap.servers) only.
    argv = [
        *java_command(settings, "kafka.tools.StorageTool", heap="256m"),
        "format",
        f"--cluster-id={new_cluster_id()}",
        "--config",
        str(p.config),
        *(kafka_security.scram_format_args(made) if made is not None else []),
    ]
    try:
        done = subprocess.run(argv, cwd=p.root, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise InfraError("formatting Kafka's storage took over 120 s") from exc
    if done.returncode != 0:
        # The output could echo the operator's password (--add-scram): show its last line only.
        last = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]
        if made is not None:
            last = last.replace(made.operator_password, "***")
        raise InfraError(f"formatting Kafka's storage failed: {last}")


def _answers(settings: Settings) -> bool:
    host, port, _ = addresses(settings)
    if not process.port_open(host, port):
        return False
    # log_level 2 (critical): the probe expects refusals while the broker starts; don't print them.
    admin = AdminClient(client_config(settings.as_operator().kafka) | {"log_level": 2})
    try:
        return bool(admin.list_topics(timeout=5).brokers)
    except KafkaException:  # not ready yet
        return False


def start(settings: Settings, security: Mode | None = None) -> None:
    """Start the broker unless it runs already; return once it answers a metadata request.

    ``security`` None keeps the mode the storage was formatted with (SASL/SCRAM for a new one)."""
    p = paths(settings)
    proc = None
    if process.running_pid(p.pid, str(p.config)) is None:
        host, port, controller = addresses(settings)
        process.require_free_port(host, port, "Kafka")
        process.require_free_port(host, controller, "Kafka's controller")
        p.root.mkdir(parents=True, exist_ok=True)
        mode = kafka_security.choose_mode(settings, security, p.formatted)
        made = None if mode is Mode.none else kafka_security.load_or_create_secrets(settings)
        if mode is Mode.tls:
            kafka_security.ensure_tls_material(settings)
        if made is not None:
            kafka_security.write_operator_file(settings, mode, made)
        # 0600: with security on, the file holds the controller's password.
        write_private(p.config, render_properties(broker_config(settings, mode, made)))
        if not p.formatted:
            _format(settings, made)
            kafka_security.record_mode(settings, mode)
        proc = process.spawn(
            [*java_command(settings, "kafka.Kafka"), str(p.config)],
            log_file=p.out,
            pid_file=p.pid,
            cwd=p.root,
        )
    try:
        process.wait_until(lambda: _answers(settings), proc=proc, what="Kafka", log_file=p.out, timeout=START_TIMEOUT)
    except InfraError as exc:
        host, port, _ = addresses(settings)
        if settings.home.operator_credentials.exists() and process.port_open(host, port):
            raise InfraError(
                f"Kafka listens on {host}:{port} but refuses the operator's login"
                f" ({settings.home.operator_credentials}); the reasons are in {p.logs}/server.log"
            ) from exc
        raise
    if settings.home.operator_credentials.exists():
        ensure_hub_principal(settings)


def ensure_hub_principal(settings: Settings) -> None:
    """The hub's own SCRAM user and client file, made once; its cluster-wide ACL (idempotent)."""
    from producers import acls, principals

    operator = settings.as_operator().kafka
    admin = AdminClient(client_config(operator))
    hub_file = settings.home.hub_credentials
    if not hub_file.exists() or not principals.scram_exists(admin, kafka_security.HUB):
        password = kafka_security.new_password()
        principals.set_scram_password(admin, kafka_security.HUB, password)
        mode = kafka_security.recorded_mode(settings, formatted=True) or Mode.sasl
        config = kafka_security.client_file(settings, mode, kafka_security.HUB, password)
        write_private(hub_file, render_client_file(config, "the hub's worker (ACLs only)"))
    acls.create(admin, acls.hub_cluster_bindings(kafka_security.HUB))


def stop(settings: Settings) -> bool:
    """SIGTERM (a controlled shutdown that flushes the logs), SIGKILL after STOP_TIMEOUT."""
    p = paths(settings)
    return process.stop(p.pid, str(p.config), timeout=STOP_TIMEOUT)


def status(settings: Settings) -> process.ServiceStatus:
    p = paths(settings)
    host, port, _ = addresses(settings)
    pid = process.running_pid(p.pid, str(p.config))
    if pid is None:
        detail = "stopped"
    else:
        detail = "answering" if process.port_open(host, port) else "starting or not answering"
    return process.ServiceStatus(NAME, pid is not None, pid, f"{host}:{port}", f"{detail}; logs in {p.logs}", p.root)
