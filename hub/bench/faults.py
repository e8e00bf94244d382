"""``msix bench faults``: faults injected while a known stream is published and merged, then every
event and every notice accounted for (``hub.bench.fault_audit``).

The bench runs on stacks of its own (never a developer's or the test suite's): a single node
(Kafka 24092, PostgreSQL 24433) and, for the cluster faults, three nodes (Kafka 24100-24105,
PostgreSQL 24434), each under its own home in the temporary folder. Every fault gets a database and
topics of its own on them; the stream (N events over ten states, with moves) is generated once.

Two shapes of run: the stream published first, then merged (a fault "during merge", at a third of
the events applied), or published at a steady pace while the workers merge (a fault "during
publish", at a third published). Recovery is the merge's longest stall from the fault on: the
longest time without a batch committed, until the last one.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

import infra.local
from consumers import idle
from hub.bench import fault_audit
from hub.bench.fault_run import Run, WorkerProc, discard, isolated
from hub.config import DatabaseSettings, HomeSettings, KafkaSettings, Settings
from hub.errors import InfraError
from infra.local import kafka, pg_secrets, postgres
from producers.admin import admin_client

Report = Callable[[str], None]

# Kafka's client port and PostgreSQL's port of the bench's own stacks, by broker count: below
# Linux's ephemeral range, apart from `msix infra up`'s (9092/5433) and the tests' (19092-23433).
PORTS = {1: (24092, 24433), 3: (24100, 24434)}
# The faults' own max.poll.interval.ms for the paused-worker fault (the default is five minutes).
SHORT_POLL_MS = 10_000


@dataclass(frozen=True)
class Options:
    outage_s: float = 30.0
    """How long PostgreSQL stays stopped."""
    broker_down_s: float = 5.0
    """How long a killed broker stays down before it is restarted."""
    cluster_down_s: float = 20.0


@dataclass
class Row:
    fault: str
    brokers: int
    events_sent: int
    records_in_store: int
    events_lost: int
    events_applied_twice: int
    notices_made: int
    notices_lost: int
    notices_doubled: int
    outbox_left: int
    parked: int
    recovery_s: float | None
    same_store_as_baseline: bool | None
    ok: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Fault:
    name: str
    brokers: int
    what: str
    scenario: Callable[[Run, Settings, Options], float]
    """Runs the stream with the fault in it; returns when the fault began (time.monotonic())."""
    doubles_allowed: bool = False
    """Notices may arrive twice (same id): the relay's at-least-once window."""


# The two shapes of run.


def _merge_phase(run: Run, *args: str) -> WorkerProc:
    """The whole stream published first; a worker started on the backlog."""
    run.publish(paced=False)
    run.publish_done()
    run.start_monitor()
    return run.worker(*args)


def _publish_phase(run: Run, *args: str) -> WorkerProc:
    """A worker running while the stream is published at a steady pace."""
    run.start_monitor()
    worker = run.worker(*args)
    run.publish(paced=True)
    return worker


def _now() -> float:
    return time.monotonic()


# The faults.


def baseline(run: Run, stack: Settings, opts: Options) -> float:
    _publish_phase(run)
    return _now()


def worker_kill_mid_batch(run: Run, stack: Settings, opts: Options) -> float:
    worker = _merge_phase(run)
    run.wait_applied(1 / 3)
    began = _now()
    worker.signal(signal.SIGKILL)  # in the middle of a batch: a backlog keeps it busy
    worker.proc.wait(30)
    run.worker()
    return began


def worker_kill_after_commit(run: Run, stack: Settings, opts: Options) -> float:
    worker = _merge_phase(run)
    run.wait_applied(1 / 3)
    worker.stop()
    # The worker's own fault point: SIGKILL right after its first batch's database commit, before
    # Kafka's offsets are committed.
    crashing = run.worker("--fault", "after-db-commit")
    crashing.proc.wait(300)
    _expect_sigkill(crashing)
    began = _now()
    run.worker()
    return began


def postgres_stopped(run: Run, stack: Settings, opts: Options) -> float:
    _merge_phase(run)
    run.wait_applied(1 / 3)
    began = _now()
    postgres.stop(stack)
    time.sleep(opts.outage_s)
    postgres.start(stack)
    return began


def postgres_restart_during_relay(run: Run, stack: Settings, opts: Options) -> float:
    _merge_phase(run)
    run.wait_applied(1 / 3)
    run.wait_for(lambda: _outbox_rows(run.settings) > 0, "rows in the outbox")
    began = _now()
    postgres.stop(stack)
    postgres.start(stack)
    return began


def broker_kill_publish(run: Run, stack: Settings, opts: Options) -> float:
    _publish_phase(run)
    run.wait_published(1 / 3)
    return kill_broker(stack, 1, opts.broker_down_s)


def broker_kill_merge(run: Run, stack: Settings, opts: Options) -> float:
    _merge_phase(run)
    run.wait_applied(1 / 3)
    return kill_broker(stack, 1, opts.broker_down_s)


def cluster_kill_publish(run: Run, stack: Settings, opts: Options) -> float:
    _publish_phase(run)
    run.wait_published(1 / 3)
    return kill_broker(stack, _quorum_leader(stack), opts.cluster_down_s)


def cluster_kill_merge(run: Run, stack: Settings, opts: Options) -> float:
    _merge_phase(run)
    run.wait_applied(1 / 3)
    return kill_broker(stack, _quorum_leader(stack), opts.cluster_down_s)


def rebalance(run: Run, stack: Settings, opts: Options) -> float:
    first = _publish_phase(run)
    run.wait_published(1 / 4)
    began = _now()
    run.worker()  # a worker added: the group rebalances
    _wait_members(run, 2)
    run.wait_published(1 / 2)
    first.stop()  # and one removed (SIGTERM: it finishes its batch and leaves the group)
    return began


def relay_kill(run: Run, stack: Settings, opts: Options) -> float:
    worker = _merge_phase(run)
    run.wait_applied(1 / 3)
    worker.stop()
    # The relay's own fault point: SIGKILL after Kafka acknowledged a batch, before its rows are deleted.
    crashing = run.worker(env={"MSIX_FAULT_RELAY": "after-produce"})
    crashing.proc.wait(300)
    _expect_sigkill(crashing)
    began = _now()
    run.worker()
    return began


def worker_paused(run: Run, stack: Settings, opts: Options) -> float:
    short = ("--max-poll-interval-ms", str(SHORT_POLL_MS))
    paused = _publish_phase(run, *short)
    run.worker(*short)
    _wait_members(run, 2)
    run.wait_published(1 / 3)
    began = _now()
    paused.signal(signal.SIGSTOP)
    # Past max.poll.interval.ms (and the session timeout, which the option shortens with it): the
    # group gives its partitions to the other worker while it sleeps.
    time.sleep(SHORT_POLL_MS / 1000 + 6)
    paused.signal(signal.SIGCONT)
    return began


FAULTS: tuple[Fault, ...] = (
    Fault("baseline", 1, "no fault: the reference store", baseline),
    Fault("worker-kill-mid-batch", 1, "worker SIGKILL mid-batch", worker_kill_mid_batch),
    Fault("worker-kill-after-commit", 1, "SIGKILL after the database commit, before Kafka's", worker_kill_after_commit),
    Fault("postgres-stopped", 1, "PostgreSQL stopped (30 s) during the merge", postgres_stopped),
    # The relay's transaction (the rows it sent, to be deleted) dies with the connection: the rows
    # Kafka acknowledged meanwhile go again, the same window as a relay killed after produce.
    Fault(
        "postgres-restart-relay",
        1,
        "PostgreSQL restarted while the relay sends",
        postgres_restart_during_relay,
        doubles_allowed=True,
    ),
    Fault("broker-kill-publish", 1, "the broker SIGKILLed and restarted during publish", broker_kill_publish),
    Fault("broker-kill-merge", 1, "the broker SIGKILLed and restarted during the merge", broker_kill_merge),
    Fault("rebalance", 1, "a worker added, then one removed, mid-stream", rebalance),
    Fault("relay-kill", 1, "SIGKILL after the relay's produce, before its delete", relay_kill, doubles_allowed=True),
    Fault("worker-paused", 1, "a worker SIGSTOPped past max.poll.interval.ms, then resumed", worker_paused),
    Fault("cluster-kill-publish", 3, "one of three brokers SIGKILLed during publish", cluster_kill_publish),
    Fault("cluster-kill-merge", 3, "one of three brokers SIGKILLed during the merge", cluster_kill_merge),
)
NAMES = tuple(f.name for f in FAULTS)


def _expect_sigkill(worker: WorkerProc) -> None:
    if worker.proc.returncode != -signal.SIGKILL:
        raise InfraError(f"the fault point was not reached (exit {worker.proc.returncode}); see {worker.log}")


def kill_broker(stack: Settings, node: int, down_s: float) -> float:
    began = _now()
    kafka.stop_node(stack, node, signal.SIGKILL)
    time.sleep(down_s)
    infra.local.up(stack)  # starts the stopped node only
    return began


def _quorum_leader(stack: Settings) -> int:
    leaders = [int(s.name[-1]) for s in infra.local.status(stack) if "quorum leader" in s.detail]
    return leaders[0] if leaders else 1


def _wait_members(run: Run, count: int) -> None:
    admin = admin_client(run.settings.kafka)
    group = run.settings.kafka.topic_prefix + "msix-merge"

    run.wait_for(lambda: idle.group_assigned(admin, group, count), f"{count} workers in the group", timeout=120)


def _outbox_rows(settings: Settings) -> int:
    try:
        with psycopg.connect(settings.database.libpq_url) as conn:
            row = conn.execute("SELECT count(*) FROM outbox").fetchone()
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


# The suite.


def stack_settings(brokers: int) -> Settings:
    kafka_port, pg_port = PORTS[brokers]
    return Settings(
        home=HomeSettings(home=Path(tempfile.gettempdir()) / f"msix-faults-{brokers}-{os.getuid()}"),
        kafka=KafkaSettings(bootstrap=f"127.0.0.1:{kafka_port}"),
        database=DatabaseSettings(url=f"postgresql+psycopg://msix@127.0.0.1:{pg_port}/msix"),
    )


@contextmanager
def own_stack(brokers: int, keep: bool, report: Report) -> Iterator[Settings]:
    """The bench's own stack, started if needed (PostgreSQL, run as its own user, must reach the
    home: a world-readable folder in the temporary directory), stopped afterwards unless ``keep``."""
    s = stack_settings(brokers)
    s.home.home.mkdir(mode=0o755, exist_ok=True)
    s.home.home.chmod(0o755)
    report(f"starting the bench's own stack ({brokers} broker(s), Kafka {s.kafka.bootstrap})")
    infra.local.up(s, brokers=brokers)
    # This process and the workers log in to this stack's PostgreSQL with its own passwords.
    os.environ["PGPASSFILE"] = str(pg_secrets.passfile(s.home))
    try:
        yield s.as_operator()
    finally:
        if not keep:
            report("stopping the bench's stack and deleting its data")
            infra.local.down(s)
            infra.local.wipe_if_stopped(s)  # its databases and topics, the folder outside the home too


def run(
    names: list[str],
    events: int,
    seed: int,
    report: Report,
    *,
    batch_size: int = 1000,
    publish_s: float = 30.0,
    options: Options | None = None,
    keep: bool = False,
) -> list[Row]:
    from hub.synthetic import BENCHMARK_STATES, write_events

    opts = options or Options()
    chosen = [f for f in FAULTS if f.name in names]
    work = Path(tempfile.mkdtemp(prefix="msix-faults-"))
    rows: list[Row] = []
    try:
        report(f"generating {events:,} events over {len(BENCHMARK_STATES)} states")
        folders = write_events(events, work / "load", BENCHMARK_STATES, seed, workers=2)
        digest: str | None = None
        for brokers in (1, 3):
            todo = [f for f in chosen if f.brokers == brokers]
            if not todo:
                continue
            with own_stack(brokers, keep, report) as stack:
                for fault in todo:
                    report(f"{fault.name}: {fault.what}")
                    run_ = Run(stack, folders, work, batch_size, events / publish_s, events)
                    row, store = _one(fault, run_, stack, opts, BENCHMARK_STATES, digest)
                    digest = store if fault.name == "baseline" else digest
                    report(_summary(row))
                    rows.append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _one(
    fault: Fault, run_: Run, stack: Settings, opts: Options, states: tuple[str, ...], baseline_digest: str | None
) -> tuple[Row, str]:
    run_id = "f" + uuid.uuid4().hex[:10]
    run_.settings = isolated(stack, run_id, states)
    run_.work = run_.work / run_id
    run_.work.mkdir()
    try:
        began = fault.scenario(run_, stack, opts)
        run_.publish_done()
        run_.settle()
        logs = run_.finish()
        acc = fault_audit.account(run_.settings, logs)
        assert run_.monitor is not None
        recovery = None if fault.name == "baseline" else run_.monitor.longest_stall(began)
    finally:
        run_.finish()
        discard(stack, run_.settings)
    same = None if baseline_digest is None else acc.store_digest == baseline_digest
    ok = (
        acc.events_lost == 0
        and acc.events_applied_twice == 0
        and acc.notices_lost == 0
        and (acc.notices_doubled == 0 or fault.doubles_allowed)
        and acc.outbox_left == 0
        and acc.parked == 0
        and same is not False
    )
    row = Row(
        fault=fault.name,
        brokers=fault.brokers,
        events_sent=acc.events_sent,
        records_in_store=acc.records_in_store,
        events_lost=acc.events_lost,
        events_applied_twice=acc.events_applied_twice,
        notices_made=acc.notices_made,
        notices_lost=acc.notices_lost,
        notices_doubled=acc.notices_doubled,
        outbox_left=acc.outbox_left,
        parked=acc.parked,
        recovery_s=None if recovery is None else round(recovery, 1),
        same_store_as_baseline=same,
        ok=ok,
    )
    return row, acc.store_digest


def _summary(row: Row) -> str:
    return (
        f"{row.fault}: {row.events_sent:,} sent, {row.records_in_store:,} records, {row.events_lost} lost,"
        f" {row.events_applied_twice} twice, notices {row.notices_lost} lost / {row.notices_doubled} doubled,"
        f" recovery {row.recovery_s} s: {'ok' if row.ok else 'FAILED'}"
    )
