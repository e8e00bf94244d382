"""The real thing: Kafka and PostgreSQL started as local processes under a throwaway MSIX_HOME.

Ports differ from the defaults (Kafka 19092/19093, PostgreSQL 15433) so a developer's running stack
is never touched, and lie below Linux's ephemeral range (32768-60999): a port in that range can be
held, at any moment, by the local end of some outgoing connection (the rest of the suite makes
thousands), and Kafka then fails to bind. Nothing here skips: a service that cannot start fails the
test.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

import infra.local
from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from hub.errors import UserInputError
from hub.store import db
from infra.local import Mode, kafka, pg_secrets, postgres, process
from producers import state_access
from producers.admin import delete_prefixed
from producers.client_config import client_config

pytestmark = pytest.mark.integration

KAFKA_PORT = 19092
POSTGRES_PORT = 15433


@pytest.fixture(scope="module")
def settings() -> Iterator[Settings]:
    # A fixed folder, not pytest's tmp_path: (1) PostgreSQL, run as the `postgres` user when we are
    # root, must be able to walk down to its data folder, and tmp_path's base folder is 0700;
    # (2) a stack left running by an interrupted run is found there, stopped, and wiped, so this is
    # always a cold start and the fixed ports are free again.
    home = Path(tempfile.gettempdir()) / f"msix-infra-test-{os.getuid()}"
    s = Settings(
        home=HomeSettings(home=home),  # the jar cache stays $MSIX_CACHE, filled by `make setup`
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{KAFKA_PORT}"),
        database=DatabaseSettings(url=f"postgresql+psycopg://msix@127.0.0.1:{POSTGRES_PORT}/msix"),
    )
    infra.local.down(s)
    postgres.wipe_data(s)  # as root the cluster's data lives outside the home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # whatever the umask
    infra.local.up(s)
    # This module's cluster has passwords of its own: libpq reads them from its home, for this
    # module only (the session's stack, the other tests' one, is named by PGPASSFILE otherwise).
    before = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(pg_secrets.passfile(s.home))
    yield s
    if before is None:
        os.environ.pop("PGPASSFILE", None)
    else:
        os.environ["PGPASSFILE"] = before
    infra.local.down(s)
    postgres.wipe_data(s)
    shutil.rmtree(home, ignore_errors=True)


def test_up_starts_both(settings: Settings) -> None:
    statuses = {s.name: s for s in infra.local.status(settings)}
    assert set(statuses) == {"kafka", "postgres"}
    assert all(s.running and s.pid for s in statuses.values()), statuses
    assert statuses["kafka"].address == f"127.0.0.1:{KAFKA_PORT}"
    assert statuses["postgres"].address == f"127.0.0.1:{POSTGRES_PORT}"


def test_up_again_changes_nothing(settings: Settings) -> None:
    before = [s.pid for s in infra.local.status(settings)]
    started = time.monotonic()
    infra.local.up(settings)
    assert time.monotonic() - started < 10
    assert [s.pid for s in infra.local.status(settings)] == before


def test_a_topic_can_be_created_written_and_read(settings: Settings) -> None:
    client = operator(settings)
    topic = f"test.infra.{uuid.uuid4().hex[:12]}"
    admin = AdminClient(client)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(timeout=30)

    producer = Producer(client | {"acks": "all", "enable.idempotence": True})
    producer.produce(topic, key=b"TX-1", value=b"hello")
    assert producer.flush(30) == 0

    consumer = Consumer(
        client
        | {
            "group.id": f"test-infra-{uuid.uuid4().hex[:12]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    try:
        deadline = time.monotonic() + 60
        message = None
        while message is None and time.monotonic() < deadline:
            polled = consumer.poll(1.0)
            if polled is not None:
                assert polled.error() is None, polled.error()
                message = polled
        assert message is not None, "no message within 60 s"
        assert (message.key(), message.value()) == (b"TX-1", b"hello")
        consumer.commit(message=message, asynchronous=False)
    finally:
        consumer.close()


def test_a_runs_topics_are_deleted_by_their_prefix_and_no_other(settings: Settings) -> None:
    run, other = f"run{uuid.uuid4().hex[:10]}.", f"other{uuid.uuid4().hex[:10]}."
    admin = AdminClient(operator(settings))
    names = [f"{run}a", f"{run}b", f"{other}a"]
    for future in admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names]).values():
        future.result(timeout=30)
    assert delete_prefixed(settings.as_operator().kafka.model_copy(update={"topic_prefix": run})) == 2
    left = admin.list_topics(timeout=10).topics
    assert f"{run}a" not in left and f"{run}b" not in left and f"{other}a" in left
    for future in admin.delete_topics([f"{other}a"], operation_timeout=30).values():
        future.result()
    with pytest.raises(ValueError, match="no topic prefix"):
        delete_prefixed(settings.kafka.model_copy(update={"topic_prefix": ""}))


def test_auto_topic_creation_is_off(settings: Settings) -> None:
    topic = f"test.infra.never.{uuid.uuid4().hex[:12]}"
    producer = Producer(operator(settings) | {"message.timeout.ms": 1500})
    producer.produce(topic, value=b"x")
    producer.flush(10)
    assert topic not in AdminClient(operator(settings)).list_topics(timeout=10).topics


def test_a_state_removed_then_a_restart_keeps_every_other_login(settings: Settings) -> None:
    # Kafka 4.1.1 refuses every SCRAM login after a restart that follows a credential's deletion;
    # `msix states remove` revokes instead (producers/principals.py). This holds it in place.
    kafka_settings = settings.as_operator().kafka
    state_access.add(kafka_settings, "TX")
    tx: dict[str, Any] = dict(state_access.issue_credentials(kafka_settings, "TX"))
    assert AdminClient(tx).list_topics(timeout=10).brokers
    removed = state_access.remove(kafka_settings, "TX")
    assert removed.credential and removed.acls > 0

    kafka.stop(settings)
    infra.local.up(settings)  # raises if the broker refuses the operator after the restart
    assert AdminClient(operator(settings)).list_topics(timeout=10).brokers
    refused = AdminClient(tx | {"log_level": 2})
    with pytest.raises(KafkaException):
        refused.list_topics(timeout=5)
    with pytest.raises(UserInputError, match="msix states add TX"):
        state_access.issue_credentials(kafka_settings, "TX")


def operator(settings: Settings) -> dict[str, Any]:
    """The operator's client settings: a new stack runs with SASL/SCRAM and ACLs."""
    return client_config(settings.as_operator().kafka)


def test_a_database_can_be_created_and_queried(settings: Settings) -> None:
    name = f"test_infra_{uuid.uuid4().hex[:12]}"
    copy = name + "_copy"
    assert postgres.ensure_database(settings, name) is True
    assert postgres.ensure_database(settings, name) is False

    with psycopg.connect(settings.database.with_database(name).libpq_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (name text)")
        conn.execute("INSERT INTO t VALUES ('Muñoz')")
        assert conn.execute("SELECT current_user, upper(name) FROM t").fetchone() == ("msix", "MUÑOZ")

    assert postgres.ensure_database(settings, copy, template=name) is True
    with psycopg.connect(settings.database.with_database(copy).libpq_url) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)

    postgres.drop_database(settings, copy)
    postgres.drop_database(settings, name)
    postgres.drop_database(settings, name)  # idempotent


def test_the_url_database_belongs_to_the_url_role(settings: Settings) -> None:
    with psycopg.connect(settings.database.libpq_url) as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba), current_setting('listen_addresses')"
            " FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert row == ("msix", "127.0.0.1")


def test_no_login_without_a_password_and_no_superuser_but_the_bootstrap_one(settings: Settings) -> None:
    url = settings.database.libpq_url
    for user in ("msix", "msix_web", "postgres"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(settings.database.as_user(user).libpq_url, passfile="/nonexistent", connect_timeout=5)
    with psycopg.connect(url) as conn:  # with the password from the home's password file
        roles = dict(conn.execute("SELECT rolname, rolsuper OR rolcreaterole FROM pg_roles WHERE rolcanlogin"))
    assert roles == {"postgres": True, "msix": False, "msix_web": False}
    secrets = settings.home.credentials_dir / "postgres.pgpass"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600


def test_the_web_role_reads_and_writes_rows_but_cannot_change_the_schema(settings: Settings) -> None:
    db.migrate(settings.database)
    web = settings.database.as_user("msix_web").libpq_url
    with psycopg.connect(web) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() is not None
        conn.execute("UPDATE web_user SET role = role WHERE false")
        for ddl in ("CREATE TABLE sneaky (x int)", "ALTER TABLE audit_log ADD COLUMN x int", "DROP TABLE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(ddl)
            conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE audit_log")


def test_down_stops_both_and_up_starts_them_again(settings: Settings) -> None:
    infra.local.down(settings)
    assert not any(s.running for s in infra.local.status(settings))
    assert not process.port_open("127.0.0.1", KAFKA_PORT)
    assert not process.port_open("127.0.0.1", POSTGRES_PORT)
    infra.local.down(settings)  # idempotent

    infra.local.up(settings)  # warm: formatted storage, initialised cluster
    assert all(s.running for s in infra.local.status(settings))
    with psycopg.connect(settings.database.libpq_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_broker_switches_to_tls_and_clients_verify_its_certificate(settings: Settings) -> None:
    infra.local.down(settings)
    infra.local.up(settings, Mode.tls)
    client = operator(settings)
    assert client["security.protocol"] == "SASL_SSL" and Path(client["ssl.ca.location"]).exists()
    topic = f"test.infra.tls.{uuid.uuid4().hex[:12]}"
    admin = AdminClient(client)  # kept referenced: its futures die with it
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)
    producer = Producer(client | {"acks": "all"})
    producer.produce(topic, value=b"over TLS")
    assert producer.flush(30) == 0
    # The same credentials without TLS: the listener speaks only TLS now.
    plain = client | {"security.protocol": "SASL_PLAINTEXT", "log_level": 0}
    plain.pop("ssl.ca.location")
    with pytest.raises(KafkaException):
        AdminClient(plain).list_topics(timeout=5)


def test_a_cluster_whose_passwords_went_with_its_home_is_kept_aside_and_a_new_one_made(settings: Settings) -> None:
    # As a clone deleted and made again at the same path finds it: as root the cluster lives under
    # /var/lib/msix, outside the home, and outlives it; the home's password file does not.
    data = postgres.data_dir(settings)
    infra.local.down(settings)
    pg_secrets.passfile(settings.home).unlink()
    try:
        infra.local.up(settings)  # before: 60 s of refused logins, then "did not answer"
        with psycopg.connect(settings.database.libpq_url) as conn:  # the new cluster, the new passwords
            assert conn.execute("SELECT current_user").fetchone() == ("msix",)
    finally:
        kept = [d for d in data.parent.iterdir() if d.name.startswith(f"{data.name}.orphaned-")]
        old_data = [(folder / "PG_VERSION").exists() for folder in kept]
        for folder in kept:
            shutil.rmtree(folder)
    assert old_data == [True]  # the old cluster kept whole, not deleted (until this test's cleanup)
