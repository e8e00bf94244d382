"""A state connects with the tools it already has (docs/connecting.md), proven on the real broker:
Kafka's own console tools and a Java program with `msix states credentials ST --client java`,
Debian's kcat over mutual TLS with `msix states certificate ST`, and the hub's own client over
mutual TLS. Each reads its own notices, is refused another state's, writes its own records and is
refused another state's topic.

One secured stack of its own for the module (`msix infra up --tls`: the SCRAM listener on 23092,
its controller on 23093, the mutual-TLS listener on 23098; PostgreSQL on 23433), started cold and
wiped at the end. The JVMs run side by side, few times. Nothing here skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import infra.local
from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from infra.local import pg_secrets
from producers import state_access
from producers.admin import apply_topics
from producers.topics import Topics
from tests.integration.conftest import jsonl
from tests.integration.submissions import student_row, submission

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KAFKA_PORT = 23092
MTLS_PORT = KAFKA_PORT + 6
POSTGRES_PORT = 23433
STATES = ("MI", "TX", "WA")
CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer"
REFUSED = re.compile(r"TopicAuthorizationException|Not authorized to access topics|Topic authorization failed")


@dataclass
class Stack:
    settings: Settings
    root: Path

    def env(self) -> dict[str, str]:
        return os.environ | {
            "MSIX_HOME": str(self.settings.home.home),
            "MSIX_KAFKA_BOOTSTRAP": self.settings.kafka.bootstrap,
            "MSIX_DATABASE_URL": self.settings.database.url,
            # This stack's PostgreSQL passwords, whatever another stack of the session set.
            "PGPASSFILE": str(pg_secrets.passfile(self.settings.home)),
        }

    def msix(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "hub", *args],
            env=self.env(), input=stdin, capture_output=True, text=True, timeout=300, cwd=self.root, check=False,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"msix {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    def java(self, *args: str) -> subprocess.Popen[str]:
        """A JVM on the jars `make setup` fetched (the broker's, Kafka's tools, Avro), started in
        the background: the test starts several side by side and then waits for them."""
        libs = self.settings.home.kafka_libs
        return subprocess.Popen(
            ["java", "-Xmx256m", "-cp", f"{libs}/*", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip

    def tx_reports_movers_to_mi(self, name: str, ids: range) -> None:
        rows = [student_row(f"TX-{i}", first=f"Ana{i}", move_to_state="MI") for i in ids]
        folder = submission(self.root, name, "TX", "2025-09-15T10:00:00Z", students=rows)
        self.msix("publish", "--state", "TX", str(folder))
        self.msix("worker", "--until-idle")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    home = Path(tempfile.gettempdir()) / f"msix-connecting-test-{os.getuid()}"
    s = Settings(
        home=HomeSettings(home=home),
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{KAFKA_PORT}"),
        database=DatabaseSettings(url=f"postgresql+psycopg://msix@127.0.0.1:{POSTGRES_PORT}/msix"),
    )
    infra.local.down(s)  # a stack left by an interrupted run
    infra.local.wipe_if_stopped(s)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # PostgreSQL runs as its own user and must enter it
    root = Path(tempfile.mkdtemp(prefix="msix-connecting-"))
    made = Stack(s, root)
    try:
        made.msix("infra", "up", "--tls")  # as an operator would: both listeners, migrations
        # In this process what `msix topics apply` and `msix states add` do: each command started
        # costs an interpreter's start-up.
        operator = s.as_operator().kafka
        apply_topics(operator, Topics("").specs(STATES))
        for state in STATES:
            state_access.add(operator, state)
        made.tx_reports_movers_to_mi("movers", range(1, 3))
        yield made
    finally:
        infra.local.down(s)
        infra.local.wipe_if_stopped(s)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def finished(proc: subprocess.Popen[str], stdin: str = "", timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(stdin, timeout=timeout)
    return proc.returncode, out, err


def java_credentials(stack: Stack, state: str) -> Path:
    path = stack.root / f"{state.lower()}-java.properties"
    stack.msix("states", "credentials", state, "--client", "java", "-o", str(path))
    return path


def certificate(stack: Stack, state: str) -> Path:
    folder = stack.root / f"{state.lower()}-certificate-{uuid.uuid4().hex[:6]}"
    stack.msix("states", "certificate", state, "-o", str(folder))
    return folder


def properties(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_infra_up_tls_opens_the_scram_and_the_mutual_tls_listeners(stack: Stack) -> None:
    config = (stack.settings.home.kafka_dir / "server.properties").read_text()
    assert f"MTLS://127.0.0.1:{MTLS_PORT}" in config
    assert "listener.name.mtls.ssl.client.auth=required" in config
    assert "CLIENT:SASL_SSL" in config and "MTLS:SSL" in config


def test_kafka_console_tools_with_the_java_credentials(stack: Stack) -> None:
    path = java_credentials(stack, "MI")
    config = properties(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert "sasl.username" not in config and "sasl.password" not in config  # the Java client ignores them
    assert config["sasl.jaas.config"].startswith("org.apache.kafka.common.security.scram.ScramLoginModule required")
    assert config["ssl.truststore.type"] == "PEM" and config["security.protocol"] == "SASL_SSL"
    server = config["bootstrap.servers"]
    common = ["--bootstrap-server", server]

    def consume(topic: str, group: str, config: Path = path, server: str = server) -> subprocess.Popen[str]:
        return stack.java(
            CONSOLE_CONSUMER, "--bootstrap-server", server, "--consumer.config", str(config),
            "--topic", topic, "--group", group,
            "--from-beginning", "--max-messages", "2", "--timeout-ms", "30000",
            "--property", "print.key=true", "--property", "print.value=false",
        )  # fmt: skip

    def produce(topic: str) -> subprocess.Popen[str]:
        return stack.java(
            CONSOLE_PRODUCER, *common, "--producer.config", str(path), "--topic", topic, "--sync",
            "--property", "parse.key=true", "--property", "key.separator=:",
        )  # fmt: skip

    tls = certificate(stack, "MI") / "java.properties"  # the certificate's Java form, on the MTLS port
    running = [
        (consume("movenotice.MI", "state.MI.console-tls", tls, properties(tls)["bootstrap.servers"]), ""),
        (consume("movenotice.MI", "state.MI.console"), ""),
        (consume("movenotice.TX", "state.MI.console"), ""),
        (produce("state.MI.records"), "MI-C1:from the console producer\n"),
        (produce("state.TX.records"), "TX-C1:forged\n"),
    ]
    done = [finished(proc, stdin) for proc, stdin in running]
    (tls_rc, tls_out, tls_err), (own_rc, own_out, own_err), (_, other_out, other_err) = done[:3]
    (write_rc, _, write_err), (forge_rc, _, forge_err) = done[3:]
    for rc, out, err in ((own_rc, own_out, own_err), (tls_rc, tls_out, tls_err)):
        assert rc == 0, err
        keys = out.split()
        assert len(keys) == 2 and all(re.fullmatch(r"\d{12}", key) for key in keys), out  # MSIX ids
    # The console consumer logs the refusal (log4j's default: errors on stdout) and stops at once,
    # with status 0 (Kafka's tool treats any error as the end of the stream).
    assert REFUSED.search(other_out + other_err) and not re.search(r"\d{12}", other_out), other_out + other_err
    assert write_rc == 0, write_err  # --sync: exits 0 only once the broker acknowledged the record
    assert forge_rc != 0 and REFUSED.search(forge_err), forge_err


def test_a_java_program_decodes_notices_and_writes_a_record_the_worker_merges(stack: Stack) -> None:
    """The same program twice, side by side: with SCRAM (Java form) and with the state's
    certificate (PKCS12 keystore), each in a group of its own."""
    scram = java_credentials(stack, "MI")
    tls = certificate(stack, "MI") / "java.properties"
    program = [str(ROOT / "tests" / "java" / "StateClient.java")]

    def run(config: Path, state_id: str) -> subprocess.Popen[str]:
        topics = ["movenotice.MI", f"state.MI.java-{state_id}", "state.MI.records", "MI", state_id]
        return stack.java(*program, str(config), str(ROOT / "schemas"), *topics)

    running = {state_id: run(config, state_id) for state_id, config in (("MI-J1", scram), ("MI-J2", tls))}
    for state_id, proc in running.items():
        rc, out, err = finished(proc, timeout=180)
        assert rc == 0, err
        notices = [line for line in out.splitlines() if line.startswith("notice ")]
        assert len(notices) == 2 and all("TX->MI born 2009-03-14" in line for line in notices), out
        assert f"sent {state_id} to state.MI.records" in out, out
    stack.msix("worker", "--until-idle")
    for state_id in running:
        found = json.loads(stack.msix("student", "find", "--state", "MI", "--state-id", state_id, "--json").stdout)
        assert found["student"]["first_name"] == "Lucia", found


def kcat(folder_or_file: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    config = folder_or_file / "librdkafka.properties" if folder_or_file.is_dir() else folder_or_file
    return subprocess.run(
        ["kcat", "-F", str(config), *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_debians_kcat_over_mutual_tls(stack: Stack) -> None:
    folder = certificate(stack, "MI")
    assert {p.name for p in folder.iterdir()} == {
        "key.pem",
        "certificate.pem",
        "ca.pem",
        "keystore.p12",
        "librdkafka.properties",
        "java.properties",
    }  # fmt: skip  (never the CA's key)
    for secret in ("key.pem", "keystore.p12", "librdkafka.properties", "java.properties"):
        assert (folder / secret).stat().st_mode & 0o777 == 0o600, secret
    assert properties(folder / "librdkafka.properties")["bootstrap.servers"] == f"127.0.0.1:{MTLS_PORT}"

    own = kcat(folder, "-C", "-t", "movenotice.MI", "-o", "beginning", "-e", "-q", "-f", "%k\n")
    assert own.returncode == 0, own.stderr
    assert len(own.stdout.split()) == 2, own.stdout
    other = kcat(folder, "-C", "-t", "movenotice.TX", "-o", "beginning", "-e", "-q")
    assert other.returncode != 0 and REFUSED.search(other.stderr), other.stderr
    written = kcat(folder, "-P", "-t", "state.MI.records", "-K:", stdin="MI-K1:from kcat\n")
    assert written.returncode == 0 and "ERROR" not in written.stderr, written.stderr
    forged = kcat(folder, "-P", "-t", "state.TX.records", "-K:", stdin="TX-K1:forged\n")
    assert forged.returncode != 0 and REFUSED.search(forged.stderr), forged.stderr


def test_a_certificate_is_renewed_only_when_asked(stack: Stack) -> None:
    folder = certificate(stack, "WA")
    before = (folder / "certificate.pem").read_bytes()
    again = stack.msix("states", "certificate", "WA", "-o", str(folder), check=False)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "--renew" in again.stderr, again.stderr
    renewed = stack.msix("states", "certificate", "WA", "-o", str(folder), "--renew")
    assert "valid until" in renewed.stderr
    assert (folder / "certificate.pem").read_bytes() != before


def test_removing_a_state_leaves_its_certificate_granting_nothing(stack: Stack) -> None:
    folder = certificate(stack, "WA")
    assert kcat(folder, "-C", "-t", "movenotice.WA", "-o", "beginning", "-e", "-q").returncode == 0
    stack.msix("states", "remove", "WA")
    try:
        refused = kcat(folder, "-C", "-t", "movenotice.WA", "-o", "beginning", "-e", "-q")
        assert refused.returncode != 0 and REFUSED.search(refused.stderr), refused.stderr
        missing = stack.msix("states", "certificate", "WA", "-o", str(stack.root / "wa-2"), check=False)
        assert missing.returncode == 2 and "msix states add WA" in missing.stderr
    finally:
        stack.msix("states", "add", "WA")


def test_the_hub_client_over_mutual_tls(stack: Stack) -> None:
    config = certificate(stack, "MI") / "librdkafka.properties"
    follow = stack.msix("notices", "follow", "--state", "MI", "--from-beginning", "--until-idle", "--jsonl",
                        "--credentials", str(config))  # fmt: skip
    assert sorted(n["first_name"] for n in jsonl(follow.stdout)) == ["Ana1", "Ana2"]
    refused = stack.msix("notices", "follow", "--state", "TX", "--until-idle", "--credentials", str(config),
                         check=False)  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "User:state-MI" in refused.stderr and "movenotice.TX" in refused.stderr
    folder = submission(stack.root, "mi-over-mtls", "MI", "2025-09-15T10:00:00Z", students=[student_row("MI-T1")])
    published = stack.msix("publish", "--state", "MI", str(folder), "--credentials", str(config))
    assert "1 rows published" in published.stderr, published.stderr
    forged = submission(stack.root, "tx-over-mtls", "TX", "2025-09-15T10:00:00Z", students=[student_row("TX-T1")])
    refused = stack.msix("publish", "--state", "TX", str(forged), "--credentials", str(config), check=False)
    assert refused.returncode == 2 and "state.TX.records" in refused.stderr, refused.stderr


def librdkafka_version() -> tuple[int, ...]:
    shown = subprocess.run(["kcat", "-V"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"librdkafka (\d+)\.(\d+)\.(\d+)", shown)
    assert found is not None, shown
    return tuple(int(part) for part in found.groups())


def test_kcat_with_scram_works_exactly_when_its_librdkafka_is_2_6_1_or_newer(stack: Stack) -> None:
    """librdkafka before 2.6.1 sends the client nonce twice in SCRAM's final message; Kafka 4 checks
    it (RFC 5802) and refuses the login. Such a state connects with its certificate instead."""
    path = stack.root / "mi-librdkafka.properties"
    stack.msix("states", "credentials", "MI", "-o", str(path))
    done = kcat(path, "-C", "-t", "movenotice.MI", "-o", "beginning", "-e", "-f", "%k\n", "-m", "10")
    if librdkafka_version() >= (2, 6, 1):
        assert done.returncode == 0 and len(done.stdout.split()) == 2, done.stderr
    else:
        assert done.returncode != 0 and done.stdout == "", done.stderr
        assert re.search(r"SASL|[Aa]uthentication", done.stderr), done.stderr


def test_a_certificate_the_mapping_rule_does_not_match_is_refused(stack: Stack) -> None:
    """Signed by the hub's CA but not a state's subject (here one claiming the operator, the super
    user): no principal, no connection, not even metadata."""
    import datetime as dt

    from infra.local.kafka_security import ca_file, tls_dir
    from producers import certificates

    ca = certificates.CA(ca_file(stack.settings), tls_dir(stack.settings) / "ca.key")
    folder = stack.root / "forged-operator"
    now = dt.datetime.now(dt.UTC)
    certificates.issue(ca, "msix-operator", folder, f"127.0.0.1:{MTLS_PORT}", renew=False, now=now)
    refused = kcat(folder, "-L", "-m", "10")
    assert refused.returncode != 0 and "movenotice" not in refused.stdout, refused.stdout + refused.stderr


def test_a_kafka_connect_worker_with_the_connect_credentials(stack: Stack) -> None:
    """A standalone Connect worker, its settings from `--client connect` as they are: Kafka's
    FileStream source writes a state's records, its FileStream sink reads the state's notices (in a
    group under the state's prefix, named with consumer.override.group.id)."""
    folder = stack.root / "connect"
    folder.mkdir()
    credentials = stack.root / "mi-connect.properties"
    stack.msix("states", "credentials", "MI", "--client", "connect", "-o", str(credentials))
    (folder / "in.txt").write_text("from a Connect worker\n")
    worker = credentials.read_text() + "".join(
        f"{key}={value}\n"
        for key, value in {
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            # Strings both ways: the file's lines out, and the notices' Avro bytes in (the names in
            # them are UTF-8 text the test can find).
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": folder / "offsets",
            "listeners": "http://127.0.0.1:23083",
            "connector.client.config.override.policy": "All",
        }.items()
    )
    connectors = {
        "source": {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                   "file": folder / "in.txt", "topic": "state.MI.records"},
        "sink": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                 "file": folder / "out.txt", "topics": "movenotice.MI",
                 "consumer.override.group.id": "state.MI.connect",
                 "consumer.override.auto.offset.reset": "earliest"},
    }  # fmt: skip
    (folder / "worker.properties").write_text(worker)
    for name, config in connectors.items():
        lines = [f"name=mi-{name}", "tasks.max=1", *(f"{key}={value}" for key, value in config.items())]
        (folder / f"{name}.properties").write_text("\n".join(lines) + "\n")
    proc = stack.java(
        "org.apache.kafka.connect.cli.ConnectStandalone",
        *(str(folder / f"{name}.properties") for name in ("worker", "source", "sink")),
    )
    out = folder / "out.txt"
    try:
        deadline = time.monotonic() + 120
        while not {"Ana1", "Ana2"} <= set(
            re.findall(r"Ana\d", out.read_text(errors="replace") if out.exists() else "")
        ):
            assert proc.poll() is None and time.monotonic() < deadline, "the sink wrote no notices"
            time.sleep(1)
        assert "from a Connect worker" in operator_read(stack, "state.MI.records")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "AuthorizationException" not in err, err[-3000:]


def operator_read(stack: Stack, topic: str) -> str:
    """Every value of ``topic``, read by the operator (outside any group)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    from producers.client_config import client_config

    consumer = Consumer(client_config(stack.settings.as_operator().kafka) | {"group.id": "msix-operator-peek"})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(3)])
    values = []
    try:
        while (msg := consumer.poll(5)) is not None:
            if msg.error() is None:
                values.append(msg.value().decode(errors="replace"))
    finally:
        consumer.close()
    return "\n".join(values)
