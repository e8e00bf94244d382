"""Apache Kafka 4 (KRaft) started from the jars that ``make setup`` cached: a single node, or a
cluster of three on this machine (``infra.local.cluster`` has the port plan).

Each node lives under its own folder (the single node's, and a cluster's node 1's, is
``settings.home.kafka_dir``): ``server.properties`` (written anew at every start from the
settings), ``data/`` (the log and the KRaft metadata), ``logs/server.log`` (log4j2), ``kafka.out``
(the JVM's own stdout and stderr) and ``kafka.pid``.
"""

from __future__ import annotations

import base64
import shutil
import signal
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from subprocess import Popen

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from hub.config import Settings
from hub.errors import InfraError
from infra.local import cluster, kafka_mtls, kafka_security, process
from infra.local.cluster import Node
from infra.local.kafka_config import broker_config, paths, render_properties
from infra.local.kafka_security import Mode
from producers.client_config import client_config, render_client_file, write_private

NAME = "kafka"
START_TIMEOUT = 60.0
# Three JVMs booting at once on two cores, then electing a controller and registering each broker.
CLUSTER_START_TIMEOUT = 150.0
STOP_TIMEOUT = 30.0
HEAP = "512m"
# Each node of a cluster holds a third of the leaders: a smaller heap keeps three within a laptop's
# (or a 2-core CI runner's) memory.
CLUSTER_HEAP = "384m"
ROLES = "broker+controller"


def addresses(settings: Settings) -> tuple[str, int, int]:
    """(host, client port, controller port) of node 1: the controller listens one port above."""
    first = cluster.plan(settings)[0]
    return first.host, first.port, first.controller_port


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


def java_command(settings: Settings, main: str, heap: str = HEAP, node: int = 1) -> list[str]:
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
        f"-Dkafka.logs.dir={paths(settings, node).logs}",
        f"-Dlog4j2.configurationFile={log4j_config()}",
        "-cp",
        f"{libs}/*",
        main,
    ]


def _format(settings: Settings, made: kafka_security.Secrets | None, node: int, cluster_id: str) -> None:
    p = paths(settings, node)
    # Static voters (controller.quorum.voters) means no --standalone / --initial-controllers flag:
    # those are for the dynamic quorum (controller.quorum.bootstrap.servers) only. Every node of a
    # cluster gets the same cluster id and the same --add-scram: whichever node is elected first
    # writes the operator's credential into the metadata log, once, for the whole cluster.
    argv = [
        *java_command(settings, "kafka.tools.StorageTool", heap="256m", node=node),
        "format",
        f"--cluster-id={cluster_id}",
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


def _cluster_id(settings: Settings, nodes: list[Node]) -> str:
    """The id a node already formatted carries (a node whose folder was lost rejoins its cluster),
    else a new one."""
    for node in nodes:
        meta = paths(settings, node.id).data / "meta.properties"
        for line in meta.read_text().splitlines() if meta.exists() else ():
            key, _, value = line.partition("=")
            if key.strip() == "cluster.id":
                return value.strip()
    return new_cluster_id()


def pid(settings: Settings, node: int = 1) -> int | None:
    p = paths(settings, node)
    return process.running_pid(p.pid, str(p.config))


def _what(node: Node, count: int) -> str:
    return "Kafka" if count == 1 else f"Kafka node {node.id}"


def _answers(settings: Settings, nodes: list[Node], launched: list[tuple[Node, Popen[bytes]]]) -> bool:
    """Every node listens and the brokers registered with the quorum number all of them; raises if
    a node just started has exited."""
    for node, proc in launched:
        if proc.poll() is not None:
            out = paths(settings, node.id).out
            what = _what(node, len(nodes))
            raise InfraError(f"{what} exited with status {proc.returncode}:\n{process.tail(out)}")
    if not all(process.port_open(n.host, n.port) for n in nodes):
        return False
    # log_level 2 (critical): the probe expects refusals while the broker starts; don't print them.
    config = client_config(settings.as_operator().kafka) | {"bootstrap.servers": cluster.bootstrap(nodes)}
    admin = AdminClient(config | {"log_level": 2})
    try:
        return len(admin.list_topics(timeout=5).brokers) == len(nodes)
    except KafkaException:  # not ready yet
        return False


def start(settings: Settings, security: Mode | None = None, brokers: int | None = None) -> None:
    """Start every node that is not running; return once all of them answer (a cluster: once every
    broker has registered with the quorum).

    ``security`` None keeps the mode the storage was formatted with (SASL/SCRAM for a new one);
    ``brokers`` None keeps the node count it was formatted with (one for a new one)."""
    count = cluster.choose_count(settings, brokers, paths(settings).formatted)
    nodes = cluster.plan(settings, count)
    stopped = [node for node in nodes if pid(settings, node.id) is None]
    launched = _launch(settings, security, count, stopped) if stopped else []
    log = paths(settings, (stopped or nodes)[0].id).out
    timeout = START_TIMEOUT if count == 1 else CLUSTER_START_TIMEOUT
    try:
        process.wait_until(
            lambda: _answers(settings, nodes, launched), proc=None, what="Kafka", log_file=log, timeout=timeout
        )
    except InfraError as exc:
        first = nodes[0]
        if settings.home.operator_credentials.exists() and process.port_open(first.host, first.port):
            raise InfraError(
                f"Kafka listens on {first.address} but refuses the operator's login"
                f" ({settings.home.operator_credentials}) or a node did not join; the reasons are in"
                f" {paths(settings).logs}/server.log"
            ) from exc
        raise
    if settings.home.operator_credentials.exists():
        ensure_hub_principal(settings)


def _launch(
    settings: Settings, security: Mode | None, count: int, stopped: list[Node]
) -> list[tuple[Node, Popen[bytes]]]:
    """Write the stopped nodes' configuration, format what never was, and start them all at once
    (a cluster's node cannot finish starting until a majority of the quorum runs)."""
    for node in stopped:
        process.require_free_port(node.host, node.port, _what(node, count))
        process.require_free_port(node.host, node.controller_port, f"{_what(node, count)}'s controller")
    first = paths(settings)
    first.root.mkdir(parents=True, exist_ok=True)
    # The brokers' log segments hold children's records: the brokers' own OS user alone.
    first.root.chmod(0o700)
    formatted = first.formatted
    mode = kafka_security.choose_mode(settings, security, formatted)
    for node in stopped if mode is Mode.tls else ():
        # With TLS each node also listens for states' client certificates (kafka_mtls).
        mtls = kafka_mtls.port(settings, node)
        process.require_free_port(node.host, mtls, f"{_what(node, count)}'s mutual-TLS listener")
    if not formatted:
        cluster.record_count(settings, count)  # before any client file: they list a cluster's nodes
    made = None if mode is Mode.none else kafka_security.load_or_create_secrets(settings)
    if mode is Mode.tls:
        kafka_security.ensure_tls_material(settings)  # one certificate: every node listens on one host
    if made is not None:
        kafka_security.write_operator_file(settings, mode, made)
    for node in stopped:
        p = paths(settings, node.id)
        p.root.mkdir(parents=True, exist_ok=True)
        # 0600: with security on, the file holds the controller's password.
        write_private(p.config, render_properties(broker_config(settings, mode, made, node.id, count)))
    unformatted = [node for node in stopped if not paths(settings, node.id).formatted]
    if unformatted:
        cluster_id = _cluster_id(settings, cluster.plan(settings, count))
        with ThreadPoolExecutor(max_workers=len(unformatted)) as pool:
            list(pool.map(lambda node: _format(settings, made, node.id, cluster_id), unformatted))
        if not formatted:
            kafka_security.record_mode(settings, mode)
    heap = HEAP if count == 1 else CLUSTER_HEAP
    return [(node, _spawn(settings, node.id, heap)) for node in stopped]


def _spawn(settings: Settings, node: int, heap: str) -> Popen[bytes]:
    p = paths(settings, node)
    argv = [*java_command(settings, "kafka.Kafka", heap, node), str(p.config)]
    return process.spawn(argv, log_file=p.out, pid_file=p.pid, cwd=p.root)


def ensure_hub_principal(settings: Settings) -> None:
    """The hub's own SCRAM users (the worker's and the web app's) and client files, made once; their
    cluster-wide ACLs (idempotent)."""
    from producers import acls, principals

    operator = settings.as_operator().kafka
    admin = AdminClient(client_config(operator))
    for user, path, who in (
        (kafka_security.HUB, settings.home.hub_credentials, "the hub's worker (ACLs only)"),
        (kafka_security.WEB, settings.home.web_credentials, "the web app (ACLs only)"),
    ):
        if not path.exists() or not principals.scram_exists(admin, user):
            password = kafka_security.new_password()
            principals.set_scram_password(admin, user, password)
            mode = kafka_security.recorded_mode(settings, formatted=True) or Mode.sasl
            config = kafka_security.client_file(settings, mode, user, password)
            write_private(path, render_client_file(config, who))
    bindings = acls.hub_cluster_bindings(kafka_security.HUB) + acls.web_cluster_bindings(kafka_security.WEB)
    acls.create(admin, bindings)


def stop(settings: Settings) -> bool:
    """Every node at once: SIGTERM (a controlled shutdown that flushes the logs), SIGKILL after
    STOP_TIMEOUT. One at a time, a cluster's last node would wait for a quorum already gone.
    True if any node was running."""
    nodes = cluster.plan(settings, cluster.recorded_count(settings))
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        return any(list(pool.map(lambda node: stop_node(settings, node.id), nodes)))


def stop_node(settings: Settings, node: int, sig: signal.Signals = signal.SIGTERM) -> bool:
    p = paths(settings, node)
    return process.stop(p.pid, str(p.config), sig=sig, timeout=STOP_TIMEOUT)


def statuses(settings: Settings) -> list[process.ServiceStatus]:
    """One row a node: its pid, client address, roles (and which node leads the quorum)."""
    count = cluster.recorded_count(settings)
    nodes = cluster.plan(settings, count)
    leader = cluster.quorum_leader([paths(settings, n.id).data for n in nodes]) if count > 1 else None
    return [_status(settings, node, count, node.id == leader) for node in nodes]


def _status(settings: Settings, node: Node, count: int, leads: bool) -> process.ServiceStatus:
    p = paths(settings, node.id)
    running = pid(settings, node.id)
    if running is None:
        detail = "stopped"
    else:
        detail = "answering" if process.port_open(node.host, node.port) else "starting or not answering"
    roles = ROLES + (", quorum leader" if leads and running else "")
    name = NAME if count == 1 else f"{NAME}-{node.id}"
    return process.ServiceStatus(
        name, running is not None, running, node.address, f"{roles}; {detail}; logs in {p.logs}", p.root
    )
