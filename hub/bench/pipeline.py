"""``msix bench pipeline``: the whole pipeline's speed on synthetic data, measured honestly.

In one run, on its own database and topics (nothing of a real deployment is touched; both are
dropped at the end):

0. with ``stored``, N children (and their student and enrollment records) copied into the empty
   store first, as the worker would have left them (``hub.bench.stored``; not timed), so that the
   merge runs against a store of that size, not only against what the run itself merges;
1. generate N events over the benchmark's ten states, or the first ``states`` of the 46 national
   ones (``hub.synthetic.benchmark.NATIONAL_STATES``; not timed: the states' systems do that);
2. publish them with the MDE connector (read, validate, encode, send): publish events/s;
3. run ``msix worker --until-idle`` over the backlog, as W processes of one consumer group (as a
   deployment scales out; W = 1 is one process): merge events/s, counted from the workers' start to
   the last one's exit, and the largest peak RSS of any one worker, sampled ten times a second;
4. end-to-end latency at a steady pace: a fresh tenth of the data is published at half the
   measured merge rate (held every 50 messages) while the same W workers run (the deployment whose
   rate was measured, at half its load), and each reports the time from each message's Kafka
   timestamp to the commit of its effects; p50 and p99 are of every message, from their histograms
   merged (one worker at half of two workers' rate would run at its own full load);
5. the ceiling: the run's records written by one raw PostgreSQL COPY into an empty copy of the table.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil
import psycopg
from confluent_kafka import KafkaException

from connectors.mde.reader import open_submission
from connectors.publish import publish_mde
from consumers import idle
from consumers.latency import LatencyHistogram
from hub.bench.machine import CpuReading, CpuSpent
from hub.config import KafkaSettings, Settings
from hub.errors import InfraError
from hub.store import db
from hub.synthetic.benchmark import BENCHMARK_STATES
from infra.local import postgres
from producers.admin import admin_client, apply_topics, delete_prefixed
from producers.producer import Producer
from producers.topics import Topics

Report = Callable[[str], None]


@dataclass
class PipelineFigures:
    events: int
    states: int
    stored_children: int
    """Children loaded into the store before the run (``--stored``), not counting its own."""
    publish_events_per_s: float
    merge_events_per_s: float
    merge_seconds: float
    merge_worker_cpu_s: float
    """The workers' CPU time (user and system, librdkafka's threads included), which depends much
    less than the clock on what else the machine runs; PostgreSQL's is not in it."""
    merge_database_cpu_s: float | None
    """PostgreSQL's CPU time during the merge (every backend's and background process's), or
    ``None`` when the server is not one ``msix infra`` runs (``hub.bench.machine``)."""
    merge_broker_cpu_s: float | None
    """The Kafka brokers' CPU time during the merge, or ``None`` likewise."""
    merge_machine_busy_s: float
    """Every core's busy time during the merge, whatever ran: what the merge's rate was bound by."""
    merge_machine_core_s: float
    """The merge's wall time times the machine's cores: ``merge_machine_busy_s`` of it was used."""
    worker_peak_rss_mb: float
    workers: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    latency_events: int
    copy_rows_per_s: float

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def run(
    base: Settings,
    events: int,
    seed: int,
    report: Report,
    workers: int = 1,
    profile: Path | None = None,
    plot: Path | None = None,
    stored: int = 0,
    states: tuple[str, ...] = BENCHMARK_STATES,
) -> PipelineFigures:
    """The figures; with ``profile``, where the merge's time goes (``hub.bench.profile``) written
    there; with ``plot``, the merge rate and the latency over the run drawn there (``hub.bench.plot``);
    with ``stored``, against a store already holding that many children; the events over ``states``."""
    from hub.synthetic import write_events

    run_id = f"bench{int(time.time())}"
    settings = _isolated(base, run_id)
    work = Path(tempfile.mkdtemp(prefix="msix-bench-"))
    try:
        # Two school years that have ended: a connector refuses a submission dated in the future.
        year = last_finished_school_year(datetime.now(UTC).date())
        loaded_at = _load_stored(settings, stored, seed, year - 2, report) if stored else None
        report(f"generating {events:,} events over {len(states)} states")
        load = write_events(
            events, work / "load", states, seed, workers=2, bad_row_rate=0.01, school_year_start=year - 1
        )
        # The same children's next school year: updates, new enrollments and moves, not a replay.
        paced = write_events(max(events // 10, 1000), work / "paced", states, seed, school_year_start=year)
        apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs(states))

        report("publishing")
        published, publish_s = _publish_all(settings.kafka, iter(load))
        report(f"published {published:,} rows in {publish_s:.1f} s; merging")
        merge_s, cpu_s, rss_mb, merge_logs, machine = _merge(settings, work, workers, profile)
        applied = sum(_applied(text) for text in merge_logs)
        merge_rate = applied / merge_s

        report(f"merged {applied:,} events in {merge_s:.1f} s; measuring latency at a steady pace")
        p50, p99, paced_rows, latency_logs = _latency(settings, work, iter(paced), merge_rate / 2, workers)
        if profile is not None:  # the raw material of the profile and the plot, kept with them
            for n, text in enumerate(merge_logs):
                (profile / f"merge-{n}.log").write_text(text)
            for n, text in enumerate(latency_logs):
                (profile / f"latency-{n}.log").write_text(text)
        if plot is not None:
            from hub.bench import plot as drawing

            drawing.write(plot, drawing.merge_points(merge_logs, stored), drawing.latency_points(latency_logs), workers)
            report(f"plot written to {plot}")

        report("writing the same records with one raw COPY (the ceiling)")
        copy_rate = _copy_ceiling(settings, since=loaded_at)
        return PipelineFigures(
            events=published,
            states=len(states),
            stored_children=stored,
            publish_events_per_s=published / publish_s,
            merge_events_per_s=merge_rate,
            merge_seconds=merge_s,
            merge_worker_cpu_s=cpu_s,
            merge_database_cpu_s=machine.database,
            merge_broker_cpu_s=machine.brokers,
            merge_machine_busy_s=machine.busy,
            merge_machine_core_s=machine.available,
            worker_peak_rss_mb=rss_mb,
            workers=workers,
            latency_p50_ms=p50,
            latency_p99_ms=p99,
            latency_events=paced_rows,
            copy_rows_per_s=copy_rate,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _drop(settings, report)


def _drop(settings: Settings, report: Report) -> None:
    """The run's database and topics dropped (a national run leaves gigabytes in each, and a
    cluster carrying every earlier run's partitions publishes slower); if an autovacuum worker keeps
    the database busy past the wait (after a store of millions), the figures are kept and the
    leftover named."""
    name = settings.database.database
    try:
        postgres.drop_database(settings, name)
    except InfraError as exc:
        report(f"could not drop the run's database {name} ({exc}); drop it later")
    try:
        delete_prefixed(settings.kafka)
    except KafkaException as exc:
        report(f"could not delete the run's topics {settings.kafka.topic_prefix}* ({exc}); delete them later")


def _isolated(base: Settings, run_id: str) -> Settings:
    """The same servers, with a database and topics of the benchmark's own."""
    postgres.ensure_database(base, f"msix_{run_id}")
    settings = Settings(
        home=base.home,
        kafka=KafkaSettings(
            bootstrap=base.kafka.bootstrap, topic_prefix=f"{run_id}.", credentials=base.kafka.credentials
        ),
        database=base.database.with_database(f"msix_{run_id}"),
    )
    db.migrate(settings.database)
    return settings


def _load_stored(settings: Settings, count: int, seed: int, year: int, report: Report) -> datetime:
    """Copy ``count`` children into the run's store, their records of the school year starting in
    ``year`` (before the run's own, which then never overwrite them); returns the load's time, which
    the run's own records are written after."""
    from hub.bench import stored
    from hub.identity.matcher import ProbabilisticMatcher

    report(f"loading {count:,} stored children")
    started = time.perf_counter()
    # Blocking keys do not depend on the thresholds or the model's weights: the default matcher's
    # are the worker's.
    with psycopg.connect(settings.database.libpq_url, autocommit=False) as conn:
        loaded = stored.load(
            conn,
            stored.reports(seed, count),
            ProbabilisticMatcher(),
            report,
            stored.PIPELINE_FIRST_SERIAL,
            stored.Records(seed, year),
        )
    took = time.perf_counter() - started
    report(
        f"loaded {loaded.children:,} children, {loaded.blocks:,} blocking rows and {loaded.records:,} records"
        f" in {took:.1f} s ({loaded.children / took:,.0f} children/s)"
    )
    return loaded.at


def _publish_all(kafka: KafkaSettings, folders: Iterator[Path], pace: float | None = None) -> tuple[int, float]:
    """Every folder's rows published with one producer; with ``pace``, at that many rows a second."""
    started = time.perf_counter()
    rows = 0
    # One producer for the whole stream, as a state's connector publishing a backlog would use.
    with Producer(kafka) if pace is None else _Paced(kafka, pace) as producer:
        for folder in folders:
            summary = publish_mde(kafka, open_submission(folder, folder.parent.name), producer=producer)
            rows += summary.accepted + summary.rejected
    return rows, time.perf_counter() - started


class _Paced(Producer):
    """Holds the sends at ``pace`` a second, checked every ``_STEP`` messages: a steady stream. Paced
    a submission at a time instead, each submission (a few thousand rows) arrived at once, and the
    p99 measured how long the worker took to drain such a burst, not the latency at that rate."""

    _STEP = 50  # 50 messages: 10 ms at 5,000 a second

    def __init__(self, kafka: KafkaSettings, pace: float, extra: dict[str, Any] | None = None) -> None:
        super().__init__(kafka, extra)
        self._pace = pace
        self._sent = 0
        self._started: float | None = None

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        if self._started is None:
            self._started = time.perf_counter()
        super().send(topic, key, value)
        self._sent += 1
        if self._sent % self._STEP == 0:
            ahead = self._sent / self._pace - (time.perf_counter() - self._started)
            if ahead > 0:
                self.poll()
                time.sleep(ahead)


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # The worker finds the hub's credentials (or none: security off) under this home.
        MSIX_HOME=str(settings.home.home),
        MSIX_KAFKA_BOOTSTRAP=settings.kafka.bootstrap,
        MSIX_KAFKA_TOPIC_PREFIX=settings.kafka.topic_prefix,
        MSIX_DATABASE_URL=settings.database.url,
    )
    return env


@dataclass
class _Worker:
    """A ``msix worker`` process whose log goes to a file: a pipe nobody reads while it runs would
    fill up and stop it."""

    proc: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, settings: Settings, log: Path, *args: str) -> _Worker:
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "hub", "worker", *args], env=_env(settings), stdout=out, stderr=out
            )
        return cls(proc, log)

    def finish(self) -> str:
        self.proc.wait(timeout=120)
        text = self.log.read_text()
        if self.proc.returncode != 0:
            raise RuntimeError(f"the worker failed: {text[-2000:]}")
        return text


def _merge(
    settings: Settings, work: Path, count: int, profile: Path | None
) -> tuple[float, float, float, list[str], CpuSpent]:
    """Seconds, the workers' CPU seconds, the largest worker's peak RSS in MB, their logs, and
    the CPU the database, the brokers and the whole machine spent meanwhile."""
    from hub.bench.profile import Profiler

    profiler = Profiler.start(profile, settings) if profile is not None else None
    before = CpuReading.take(settings)
    started = time.perf_counter()
    workers = [_Worker.start(settings, work / f"merge-{n}.log", "--until-idle") for n in range(count)]
    procs = [psutil.Process(w.proc.pid) for w in workers]
    if profiler is not None:
        for n, w in enumerate(workers):
            profiler.attach(n, w.proc.pid)
    peak = 0
    cpu = [0.0] * count  # the last reading of each (a worker's last tenth of a second is missed)
    while any(w.proc.poll() is None for w in workers):
        for n, proc in enumerate(procs):
            with contextlib.suppress(psutil.NoSuchProcess):
                peak = max(peak, proc.memory_info().rss)
                times = proc.cpu_times()
                cpu[n] = times.user + times.system
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    machine = CpuReading.take(settings).since(before, elapsed)
    logs = [worker.finish() for worker in workers]
    if profiler is not None:
        profiler.finish(logs)
    return elapsed, sum(cpu), peak / 2**20, logs, machine


def _applied(log: str) -> int:
    found = re.search(r"worker: ([\d,]+) events applied", log)
    if not found:
        raise RuntimeError("a worker did not report what it applied")
    return int(found.group(1).replace(",", ""))


def _latency(
    settings: Settings, work: Path, folders: Iterator[Path], rate: float, count: int
) -> tuple[float | None, float | None, int, list[str]]:
    """p50 and p99 of every paced message (the workers' histograms merged), the rows published,
    and the workers' logs."""
    files = [work / f"latency-{n}.json" for n in range(count)]
    workers = [
        _Worker.start(settings, work / f"latency-{n}.log", "--latency-file", str(files[n])) for n in range(count)
    ]
    group = settings.kafka.topic_prefix + "msix-merge"
    try:
        _wait_assigned(settings, group, workers)
        rows, _ = _publish_all(settings.kafka, folders, pace=rate)
        idle.wait_caught_up(settings, group, lambda: all(w.proc.poll() is None for w in workers))
    finally:
        for worker in workers:
            worker.proc.send_signal(signal.SIGTERM)
    logs = [worker.finish() for worker in workers]
    histogram = LatencyHistogram.merged([json.loads(f.read_text()) for f in files if f.exists()])
    return histogram.quantile(0.5), histogram.quantile(0.99), rows, logs


def _wait_assigned(settings: Settings, group: str, workers: list[_Worker], timeout: float = 120.0) -> None:
    """Until every worker holds partitions in a stable group. A deployment's workers run long
    before a message arrives; paced messages published while the workers still start and the
    group rebalances (each joining member revokes every partition, eager) would measure the
    start-up, not the merge: it put the first 3 s of the paced run's batches at 0.7-1.2 s."""
    admin = admin_client(settings.kafka)
    deadline = time.monotonic() + timeout
    while not idle.group_assigned(admin, group, len(workers)):
        if any(w.proc.poll() is not None for w in workers):
            raise InfraError("a latency worker stopped before it joined the group; run `msix worker` to see why")
        if time.monotonic() > deadline:
            raise InfraError(f"the latency workers did not all join the group within {timeout:.0f} s")
        time.sleep(0.2)


def _copy_ceiling(settings: Settings, since: datetime | None = None) -> float:
    """``since``: only the records written after it, the run's own (not the stored children's)."""
    with psycopg.connect(settings.database.libpq_url) as conn, conn.cursor() as cur:
        cols = "state, state_student_id, family, record_key, fields, source_ts, event_id"
        select = "SELECT state, state_student_id, family, record_key, fields::text, source_ts, event_id FROM record"
        if since is None:
            cur.execute(select)
        else:
            cur.execute(select + " WHERE updated_at > %s", (since,))
        rows = cur.fetchall()
        cur.execute("CREATE TABLE record_copy (LIKE record INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with cur.copy(f"COPY record_copy ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def last_finished_school_year(today: date) -> int:
    """The first calendar year of the last school year (August to July) that ended before ``today``."""
    return today.year - 1 if today.month >= 8 else today.year - 2
