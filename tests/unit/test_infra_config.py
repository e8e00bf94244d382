"""The pure parts of infra/local: generated configuration, address parsing, pid files. No servers."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import psutil
import pytest

from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from hub.errors import InfraError, UserInputError
from infra.local import docker, kafka, kafka_security, pg_secrets, postgres, process
from producers import client_config


def settings(home: Path, bootstrap: str = "127.0.0.1:39092", port: int = 35433) -> Settings:
    return Settings.model_construct(
        home=HomeSettings(home=home, cache=home / "cache"),
        kafka=KafkaSettings(bootstrap=bootstrap),
        database=DatabaseSettings(url=f"postgresql+psycopg://msix@127.0.0.1:{port}/msix"),
    )


def parse_properties(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    pairs = [line.split("=", 1) for line in lines]
    assert len({key for key, _ in pairs}) == len(pairs), "a key appears twice"
    return dict((key, value) for key, value in pairs)


@pytest.mark.parametrize(
    ("bootstrap", "expected"),
    [
        ("127.0.0.1:9092", ("127.0.0.1", 9092, 9093)),
        ("localhost:39092", ("localhost", 39092, 39093)),
        ("127.0.0.1:19092,127.0.0.1:29092", ("127.0.0.1", 19092, 19093)),
        (":9092", ("127.0.0.1", 9092, 9093)),
    ],
)
def test_controller_listens_one_port_above_the_bootstrap_port(
    tmp_path: Path, bootstrap: str, expected: tuple[str, int, int]
) -> None:
    assert kafka.addresses(settings(tmp_path, bootstrap)) == expected


def test_server_properties_follow_the_settings(tmp_path: Path) -> None:
    props = parse_properties(kafka.render_properties(kafka.broker_config(settings(tmp_path))))

    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:39093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:39092"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path.resolve() / "kafka" / "data")
    assert props["auto.create.topics.enable"] == "false"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    replication = {key: value for key, value in props.items() if "replication.factor" in key or "min.isr" in key}
    assert replication and set(replication.values()) == {"1"}
    assert "controller.quorum.bootstrap.servers" not in props  # static voters, not a dynamic quorum


def test_every_setting_says_why(tmp_path: Path) -> None:
    s = settings(tmp_path)
    for _, _, why in [*kafka.broker_config(s), *postgres.server_config(s)]:
        assert why.strip()
    text = kafka.render_properties(kafka.broker_config(s))
    assert text.count("\n# ") >= len(kafka.broker_config(s))


def test_cluster_id_is_a_uuid_in_url_safe_base64() -> None:
    cluster_id = kafka.new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert cluster_id != kafka.new_cluster_id()
    assert not any(kafka.new_cluster_id().startswith("-") for _ in range(2000))  # not an option


def test_log4j_config_ships_with_the_package() -> None:
    assert kafka.log4j_config().is_file()


def test_missing_jars_say_run_make_setup(tmp_path: Path) -> None:
    with pytest.raises(InfraError, match="make setup"):
        kafka.java_command(settings(tmp_path), "kafka.Kafka")


def test_postgres_config_follows_the_url(tmp_path: Path) -> None:
    s = settings(tmp_path, port=35433)
    conf = {name: value for name, value, _ in postgres.server_config(s)}

    assert conf["port"] == "35433"
    assert conf["listen_addresses"] == "127.0.0.1"
    assert conf["unix_socket_directories"] == str(postgres.data_dir(s))
    assert conf["fsync"] == "on"
    assert conf["shared_buffers"] == "2GB"
    assert conf["max_connections"] == "100"
    assert int(conf["max_locks_per_transaction"]) >= 256  # several workers' identity locks fit
    assert "port = '35433'" in postgres.render_conf(postgres.server_config(s))


def test_as_ourselves_the_cluster_lives_in_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)
    assert postgres.data_dir(settings(tmp_path)) == tmp_path.resolve() / "postgres" / "data"


def test_as_root_the_cluster_lives_where_its_user_can_reach_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A clone in a folder only root may enter: the server's user could not reach a data folder in it.
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    one, other = postgres.data_dir(settings(tmp_path / "one")), postgres.data_dir(settings(tmp_path / "two"))
    assert one.parent.parent == postgres.DATA_ROOT and one.name == "data"
    assert one != other  # one cluster per MSIX_HOME
    assert one == postgres.data_dir(settings(tmp_path / "one"))  # and the same one every time
    assert one.parent.name.startswith(f"{tmp_path.name}-one-")


def test_a_cluster_already_in_the_home_stays_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    inside = tmp_path.resolve() / "postgres" / "data"
    inside.mkdir(parents=True)
    (inside / "PG_VERSION").write_text("15\n")
    assert postgres.data_dir(settings(tmp_path)) == inside


@pytest.fixture
def outside_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, postgres.PostgresPaths]:
    """As root: a clone's home, and an initialised cluster for it under a DATA_ROOT of the test's
    own, with our SCRAM-only pg_hba.conf; the home has no passwords yet."""
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres, "DATA_ROOT", tmp_path / "root")
    s = settings(tmp_path / "clone" / ".msix")
    p = postgres.paths(s)
    p.data.mkdir(parents=True)
    (p.data / "PG_VERSION").write_text("15\n")
    (p.data / "pg_hba.conf").write_text(postgres.PG_HBA)
    return s, p


def test_a_cluster_whose_home_was_deleted_is_kept_aside_for_a_new_one(
    outside_cluster: tuple[Settings, postgres.PostgresPaths],
) -> None:
    # A clone deleted and made again at the same path: the cluster under DATA_ROOT is still there,
    # but its superuser's password went with the old home, and it takes nothing but passwords.
    s, p = outside_cluster
    assert postgres._orphaned(s, p)
    postgres._set_aside(p)
    assert not p.initialised and not p.data.exists()  # room for initdb
    (kept,) = [d for d in p.data.parent.iterdir() if d.name.startswith("data.orphaned-")]
    assert (kept / "PG_VERSION").exists()  # the old data is kept, not deleted


def test_a_cluster_with_its_password_or_from_before_passwords_is_adopted(
    outside_cluster: tuple[Settings, postgres.PostgresPaths],
) -> None:
    s, p = outside_cluster
    pg_secrets.ensure(pg_secrets.passfile(s.home), [postgres.SUPERUSER])
    assert not postgres._orphaned(s, p)  # this home's own cluster
    pg_secrets.passfile(s.home).unlink()
    (p.data / "pg_hba.conf").write_text("# old\nhost all all 127.0.0.1/32 trust\n")
    assert not postgres._orphaned(s, p)  # from before passwords: ``_bootstrap`` gives them


def test_conf_values_are_quoted_safely() -> None:
    text = postgres.render_conf([("application_name", "it's", "a test")])
    assert "application_name = 'it''s'" in text


def test_socket_falls_back_to_tcp_only_when_the_path_is_too_long() -> None:
    assert postgres.socket_dir(Path("/tmp/short/data")) == "/tmp/short/data"
    assert postgres.socket_dir(Path("/tmp/" + "x" * 120 + "/data")) == ""


def test_every_login_is_a_scram_password_from_this_machine() -> None:
    rules = [line.split() for line in postgres.PG_HBA.splitlines() if line and not line.startswith("#")]
    assert [(r[0], r[-1]) for r in rules] == [("local", "reject"), ("host", "scram-sha-256")]
    assert [r[3] for r in rules if r[0] == "host"] == ["127.0.0.1/32"]
    assert "trust" not in postgres.PG_HBA


def test_passwords_are_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "credentials" / "postgres.pgpass"
    first = pg_secrets.ensure(path, ["postgres", "msix"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = pg_secrets.ensure(path, ["msix", "msix_web"])
    assert again["msix"] == first["msix"] and len(again["msix_web"]) >= 32
    assert pg_secrets.read(path) == first | {"msix_web": again["msix_web"]}
    assert all(":" not in password for password in pg_secrets.read(path).values())


def test_database_url_parts() -> None:
    db = DatabaseSettings(url="postgresql+psycopg://someone@127.0.0.1:35433/records")
    assert (db.port, db.user, db.database) == (35433, "someone", "records")


def test_a_folder_closed_to_the_server_user_is_found(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    found = postgres.unreachable_ancestor(closed / "postgres" / "data", "nobody")
    assert found is not None and found in (closed / "postgres" / "data").parents
    assert not found.stat().st_mode & stat.S_IXOTH


def test_open_folders_are_reachable() -> None:
    assert postgres.unreachable_ancestor(Path("/tmp/msix-no-such-folder/postgres/data"), "nobody") is None


def test_pid_file_is_trusted_only_for_the_right_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    marker = psutil.Process().cmdline()[-1]  # our own last argument stands in for server.properties
    assert process.running_pid(pid_file, marker) is None  # no file
    pid_file.write_text("not a pid\n")
    assert process.running_pid(pid_file, marker) is None
    pid_file.write_text(f"{os.getpid()}\n")
    assert process.running_pid(pid_file, marker + "-not") is None
    assert process.running_pid(pid_file, marker[:-1]) is None  # a whole argument, not a prefix
    assert process.running_pid(pid_file, marker) == os.getpid()


def test_stopping_nothing_is_fine(tmp_path: Path) -> None:
    pid_file = tmp_path / "gone.pid"
    pid_file.write_text("999999999\n")
    assert process.stop(pid_file, "kafka.Kafka") is False
    assert not pid_file.exists()


def test_tail_keeps_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert process.tail(log, 2) == "line 98\nline 99"
    assert "no log" in process.tail(tmp_path / "missing.log")


def test_tail_drops_java_stack_frames_so_the_cause_shows(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    frame = "\tat kafka.network.SocketServer.f{}(SocketServer.scala:{}) ~[kafka.jar:?]\n"
    frames = "".join(frame.format(i, i) for i in range(40))
    log.write_text(
        "[ERROR] Fatal error during broker startup\n"
        + frames
        + "\t... 6 more\n"
        + "Caused by: java.net.BindException: Address already in use\n"
        + frames
        + "\t... 6 more\n"
    )
    assert process.tail(log, 5) == (
        "[ERROR] Fatal error during broker startup\nCaused by: java.net.BindException: Address already in use"
    )


def test_no_docker_engine_means_not_available(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(docker.shutil, "which", lambda _: None)
    assert docker.docker_available() is False
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(docker.shutil, "which", lambda _: str(fake))
    assert docker.docker_available() is False


def test_secure_broker_config_has_no_plaintext_client_listener_and_denies_by_default(tmp_path: Path) -> None:
    s = settings(tmp_path)
    made = kafka_security.Secrets(controller_password="c-pass", operator_password="o-pass")
    props = parse_properties(kafka.render_properties(kafka.broker_config(s, kafka_security.Mode.sasl, made)))
    assert props["listeners"] == "CLIENT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093"
    assert props["listener.security.protocol.map"] == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:msix-operator;User:controller"  # not the hub, not a state
    assert 'user_controller="c-pass"' in props["listener.name.controller.plain.sasl.jaas.config"]
    assert "PLAINTEXT://" not in props["listeners"]

    tls = parse_properties(kafka.render_properties(kafka.broker_config(s, kafka_security.Mode.tls, made)))
    assert tls["listener.security.protocol.map"].startswith("CLIENT:SASL_SSL,")
    assert tls["listener.name.client.ssl.keystore.type"] == "PEM"


def test_security_mode_is_kept_unless_changed_where_possible(tmp_path: Path) -> None:
    s = settings(tmp_path)
    Mode = kafka_security.Mode
    assert kafka_security.choose_mode(s, None, formatted=False) is Mode.sasl  # on by default
    assert kafka_security.choose_mode(s, None, formatted=True) is Mode.none  # formatted before security
    s.home.kafka_dir.mkdir(parents=True)
    kafka_security.record_mode(s, Mode.sasl)
    assert kafka_security.choose_mode(s, None, formatted=True) is Mode.sasl
    assert kafka_security.choose_mode(s, Mode.tls, formatted=True) is Mode.tls
    with pytest.raises(InfraError, match="set up with security sasl"):
        kafka_security.choose_mode(s, Mode.none, formatted=True)


def test_client_files_are_private_and_only_carry_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "creds" / "tx.properties"
    client_config.write_private(path, "# x\nbootstrap.servers=h:1\nsasl.username=u\nsasl.password=p\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert client_config.read_client_file(path)["sasl.password"] == "p"
    with pytest.raises(UserInputError, match="line 1"):
        client_config.parse_client_file("enable.idempotence=false\n")


def test_tls_material_names_the_broker_host(tmp_path: Path) -> None:
    from cryptography import x509

    s = settings(tmp_path)
    kafka_security.ensure_tls_material(s)
    folder = kafka_security.tls_dir(s)
    assert stat.S_IMODE((folder / "broker-keystore.pem").stat().st_mode) == 0o600
    keystore = (folder / "broker-keystore.pem").read_text()
    assert keystore.startswith("-----BEGIN PRIVATE KEY-----") and keystore.count("BEGIN CERTIFICATE") == 2
    cert = x509.load_pem_x509_certificate(keystore[keystore.index("-----BEGIN CERTIFICATE") :].encode())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
