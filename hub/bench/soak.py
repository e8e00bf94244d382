"""``msix bench soak``: the pipeline for N minutes at half its measured merge rate, a fault every few
minutes, on the faults bench's own single-node stack.

Every minute: events published and applied, end-to-end latency (p50, p99) and the worker's RSS.
Latency is measured from outside the worker: one message in ``SAMPLE`` is read back from the
records topics with its Kafka timestamp (the connector's send), and the store is polled every
``POLL_S`` for its event id; so a figure is the time to being visible in the store, coarse by up to
``POLL_S``. The faults leave the measured worker running (PostgreSQL restarted, the broker killed
and restarted, the worker paused, a second worker joining and leaving), so its RSS at the end
compares with its RSS at the start (after the first minute's warm-up). At the end every event and
notice is accounted for, as in ``msix bench faults``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import confluent_kafka
import psutil
import psycopg

import schemas
from connectors.mde.reader import open_submission
from connectors.publish import publish_mde
from hub.bench import fault_audit, faults
from hub.bench.fault_run import Run, WorkerProc, discard, isolated
from hub.config import Settings
from infra.local import postgres
from producers.client_config import client_config
from producers.producer import Producer
from producers.topics import Topics

Report = Callable[[str], None]

SAMPLE = 20
"""One message in SAMPLE is a latency probe."""
POLL_S = 0.25
CALIBRATION_EVENTS = 30_000


@dataclass
class Minute:
    minute: int
    published: int
    applied: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    probes: int
    worker_rss_mb: float
    fault: str = ""


@dataclass
class SoakFigures:
    merge_events_per_s: float
    publish_events_per_s: float
    minutes: list[Minute]
    rss_start_mb: float
    rss_end_mb: float
    rss_growth: float
    accounts: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Feed(threading.Thread):
    """Fresh events at ``pace`` a second until ``stop``: a minute's worth at a time, generated in
    another process one minute ahead. Each minute is the school year 2025-26 again from the next
    seed: the same state ids with other values, so updates of records already stored (a later
    school year would be dated in the future, which the connector refuses)."""

    def __init__(self, settings: Settings, work: Path, pace: float, seed: int) -> None:
        super().__init__(daemon=True, name="feed")
        self._settings, self._work, self._pace, self._seed = settings, work, pace, seed
        self.halt = threading.Event()
        self.published = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from hub.synthetic import BENCHMARK_STATES, write_events

        chunk = max(int(self._pace * 60), 1000)
        # spawn, not fork: this process runs Kafka clients' threads already.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:

            def make(n: int) -> Future[list[Path]]:
                return pool.submit(write_events, chunk, self._work / f"minute-{n}", BENCHMARK_STATES, self._seed + n)

            n, ahead = 0, make(0)
            started: float | None = None
            try:
                with Producer(self._settings.kafka) as producer:
                    while not self.halt.is_set():
                        folders, ahead = ahead.result(), make(n + 1)
                        started = started or time.perf_counter()  # the pace counts from the first row
                        self._publish(producer, folders, started)
                        shutil.rmtree(self._work / f"minute-{n}", ignore_errors=True)  # a minute's files
                        n += 1
            except BaseException as exc:  # reported by the soak: a publish that failed is a finding
                self.error = exc

    def _publish(self, producer: Producer, folders: list[Path], started: float) -> None:
        for folder in folders:
            if self.halt.is_set():
                return
            summary = publish_mde(self._settings.kafka, open_submission(folder, folder.parent.name), producer=producer)
            self.published += summary.accepted + summary.rejected
            ahead = self.published / self._pace - (time.perf_counter() - started)
            if ahead > 0:
                producer.poll()
                self.halt.wait(ahead)


class Probes(threading.Thread):
    """Reads the records topics (assigned, outside any group) and times one message in ``SAMPLE``
    from its Kafka timestamp to its event being in the store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True, name="probes")
        self._settings = settings
        self.halt = threading.Event()
        self.pending: dict[str, int] = {}  # event id -> Kafka timestamp (ms)
        self.done: list[tuple[int, float]] = []  # (Kafka timestamp ms, latency ms)
        self._lock = threading.Lock()

    def run(self) -> None:
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        while not self.halt.wait(POLL_S):
            with contextlib.suppress(psycopg.Error):
                self._check()

    def _read(self) -> None:
        from hub.synthetic import BENCHMARK_STATES

        topics = Topics(self._settings.kafka.topic_prefix)
        config = client_config(self._settings.kafka) | {"group.id": "soak-probes", "enable.auto.commit": False}
        consumer = confluent_kafka.Consumer(config)
        consumer.assign(
            [
                confluent_kafka.TopicPartition(topics.records(s), p, confluent_kafka.OFFSET_BEGINNING)
                for s in BENCHMARK_STATES
                for p in range(3)
            ]
        )
        try:
            while not self.halt.is_set():
                msg = consumer.poll(0.5)
                if msg is None or msg.error() is not None or (msg.offset() or 0) % SAMPLE:
                    continue
                _, record = schemas.decode(msg.value() or b"")
                with self._lock:
                    self.pending[str(uuid.UUID(str(record["event_id"])))] = msg.timestamp()[1]
        finally:
            consumer.close()

    def _check(self) -> None:
        with self._lock:
            ids = list(self.pending)
        if not ids:
            return
        with psycopg.connect(self._settings.database.libpq_url, connect_timeout=2) as conn:
            found = conn.execute("SELECT event_id::text FROM processed_event WHERE event_id = ANY(%s::uuid[])", (ids,))
            seen = [row[0] for row in found]
        now_ms = time.time() * 1000
        with self._lock:
            for event_id in seen:
                sent_ms = self.pending.pop(event_id)
                self.done.append((sent_ms, now_ms - sent_ms))


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


# The faults of the soak: each leaves the measured worker running.


def _postgres_restart(run: Run, stack: Settings, worker: WorkerProc) -> None:
    postgres.stop(stack)
    postgres.start(stack)


def _broker_restart(run: Run, stack: Settings, worker: WorkerProc) -> None:
    faults.kill_broker(stack, 1, 5.0)


def _worker_pause(run: Run, stack: Settings, worker: WorkerProc) -> None:
    worker.signal(signal.SIGSTOP)
    time.sleep(10)
    worker.signal(signal.SIGCONT)


def _rebalance(run: Run, stack: Settings, worker: WorkerProc) -> None:
    second = run.worker()
    time.sleep(30)
    second.stop()


ROTATION: tuple[tuple[str, Callable[[Run, Settings, WorkerProc], None]], ...] = (
    ("postgres-restart", _postgres_restart),
    ("broker-kill", _broker_restart),
    ("worker-pause", _worker_pause),
    ("rebalance", _rebalance),
)


def calibrate(stack: Settings, seed: int, report: Report) -> float:
    """The merge rate of one worker on a backlog, from its first commit to its last."""
    from hub.synthetic import BENCHMARK_STATES, write_events

    settings = isolated(stack, "c" + uuid.uuid4().hex[:10], BENCHMARK_STATES)
    work = Path(tempfile.mkdtemp(prefix="msix-soak-"))
    run = Run(settings, write_events(CALIBRATION_EVENTS, work / "load", BENCHMARK_STATES, seed + 100), work, 5000, 1, 0)
    try:
        run.publish(paced=False)
        run.publish_done()
        run.start_monitor()
        run.worker("--until-idle").proc.wait(600)
        run.finish()
        assert run.monitor is not None
        moving = [(t, n) for t, n in run.monitor.samples if n > 0]
        (t0, n0), (t1, n1) = moving[0], moving[-1]
        rate = (n1 - n0) / max(t1 - t0, 0.1)
        report(f"merge rate measured: {rate:,.0f} events/s ({n1:,} events)")
        return rate
    finally:
        discard(stack, settings)
        shutil.rmtree(work, ignore_errors=True)


def run(
    minutes: int,
    report: Report,
    *,
    seed: int = 1,
    fault_every: float = 3.0,
    keep: bool = False,
    rate: float | None = None,
) -> SoakFigures:
    """``rate``: events a second to publish; None: half the merge rate measured first."""
    from hub.synthetic import BENCHMARK_STATES

    with faults.own_stack(1, keep, report) as stack:
        merge_rate = calibrate(stack, seed, report)
        pace = rate or merge_rate / 2
        settings = isolated(stack, "s" + uuid.uuid4().hex[:10], BENCHMARK_STATES)
        work = Path(tempfile.mkdtemp(prefix="msix-soak-"))
        run_ = Run(settings, [], work, 5000, pace, 0)
        try:
            return _soak(run_, stack, minutes, pace, merge_rate, fault_every, seed, report)
        finally:
            run_.finish()
            discard(stack, settings)
            shutil.rmtree(work, ignore_errors=True)


def _soak(
    run_: Run,
    stack: Settings,
    minutes: int,
    pace: float,
    merge_rate: float,
    fault_every: float,
    seed: int,
    report: Report,
) -> SoakFigures:
    worker = run_.worker()
    proc = psutil.Process(worker.proc.pid)
    feed, probes = Feed(run_.settings, run_.work, pace, seed), Probes(run_.settings)
    run_.start_monitor()
    feed.start()
    probes.start()
    report(f"soaking {minutes} min at {pace:,.0f} events/s, a fault every {fault_every:g} min")
    started = time.monotonic()
    rows: list[Minute] = []
    faults_at = {int(k * fault_every * 60): ROTATION[(k - 1) % len(ROTATION)] for k in range(1, 1000)}
    last_pub, last_applied = 0, 0
    for m in range(1, minutes + 1):
        fault = _run_faults(faults_at, started, m, run_, stack, worker)
        time.sleep(max(0.0, started + 60 * m - time.monotonic()))
        applied = run_.monitor.samples[-1][1] if run_.monitor and run_.monitor.samples else 0
        rss = proc.memory_info().rss / 2**20
        rows.append(Minute(m, feed.published - last_pub, applied - last_applied, None, None, 0, round(rss, 1), fault))
        last_pub, last_applied = feed.published, applied
        report(f"minute {m}: {rows[-1].published:,} published, {rows[-1].applied:,} applied, RSS {rss:,.0f} MB {fault}")
        if feed.error is not None:
            raise feed.error
    feed.halt.set()
    feed.join(120)
    run_.settle()
    time.sleep(2 * POLL_S)
    probes.halt.set()
    probes.join(30)
    rss_end = proc.memory_info().rss / 2**20
    logs = run_.finish()
    _latencies(rows, probes.done, started)
    accounts = fault_audit.account(run_.settings, logs)
    start_rss = rows[0].worker_rss_mb
    return SoakFigures(
        merge_events_per_s=round(merge_rate, 1),
        publish_events_per_s=round(pace, 1),
        minutes=rows,
        rss_start_mb=start_rss,
        rss_end_mb=round(rss_end, 1),
        rss_growth=round(rss_end / start_rss - 1, 3),
        accounts={k: v for k, v in asdict(accounts).items() if k != "store_digest"},
    )


def _run_faults(
    faults_at: dict[int, tuple[str, Callable[[Run, Settings, WorkerProc], None]]],
    started: float,
    minute: int,
    run_: Run,
    stack: Settings,
    worker: WorkerProc,
) -> str:
    """Inject the faults due within this minute; their names."""
    names = []
    for second in sorted(s for s in faults_at if 60 * (minute - 1) <= s < 60 * minute):
        time.sleep(max(0.0, started + second - time.monotonic()))
        name, inject = faults_at[second]
        inject(run_, stack, worker)
        names.append(name)
    return ",".join(names)


def _latencies(rows: list[Minute], done: list[tuple[int, float]], started: float) -> None:
    """Each probe counted in the minute its message was sent."""
    wall_start_ms = (time.time() - (time.monotonic() - started)) * 1000
    by_minute: dict[int, list[float]] = {}
    for sent_ms, latency in done:
        by_minute.setdefault(int((sent_ms - wall_start_ms) // 60_000) + 1, []).append(latency)
    for row in rows:
        values = by_minute.get(row.minute, [])
        row.latency_p50_ms, row.latency_p99_ms, row.probes = (
            _quantile(values, 0.5),
            _quantile(values, 0.99),
            len(values),
        )
