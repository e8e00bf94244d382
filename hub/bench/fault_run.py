"""One fault run's moving parts: its own database and topics on the bench's stack, a paced
publisher, ``msix worker`` processes (killed, paused and restarted by the faults), a monitor of
the merge's progress, and the wait until every input is applied and every output sent."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import psycopg

from connectors.mde.reader import open_submission
from connectors.publish import publish_mde
from consumers import idle
from hub.config import KafkaSettings, Settings
from hub.errors import InfraError
from hub.store import db
from infra.local import pg_secrets, postgres
from producers.admin import apply_topics, delete_prefixed
from producers.producer import Producer
from producers.topics import Topics

GROUP = "msix-merge"


def isolated(stack: Settings, run_id: str, states: tuple[str, ...]) -> Settings:
    """The stack's servers, with a database and topics of this run's own."""
    postgres.ensure_database(stack, f"msix_{run_id}")
    settings = Settings(
        home=stack.home,
        kafka=KafkaSettings(
            bootstrap=stack.kafka.bootstrap, topic_prefix=f"{run_id}.", credentials=stack.kafka.credentials
        ),
        database=stack.database.with_database(f"msix_{run_id}"),
    )
    db.migrate(settings.database)
    apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs(states))
    return settings


def discard(stack: Settings, settings: Settings) -> None:
    """Drop a run's database and topics (best effort: the stack may be half down after a fault)."""
    with contextlib.suppress(Exception):
        postgres.drop_database(stack, settings.database.database)
    with contextlib.suppress(Exception):
        delete_prefixed(settings.kafka)


@dataclass
class WorkerProc:
    """A ``msix worker`` whose log goes to a file (a pipe nobody reads would fill and stop it)."""

    proc: subprocess.Popen[bytes]
    log: Path

    def signal(self, sig: signal.Signals) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self) -> None:
        """SIGTERM, as an operator stops a worker; SIGKILL if it has not left within 30 s."""
        self.signal(signal.SIGCONT)  # a paused worker cannot act on SIGTERM
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


class Monitor(threading.Thread):
    """Samples how many events the store holds, five times a second; a failed read (PostgreSQL
    down) is no sample."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True, name="fault-monitor")
        self._settings = settings
        self._halt = threading.Event()
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        while not self._halt.wait(0.2):
            count = applied(self._settings)
            if count is not None:
                self.samples.append((time.monotonic(), count))

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def longest_stall(self, since: float) -> float | None:
        """The longest time without a batch committed, from ``since`` to the last commit: the
        merge's recovery from a fault at ``since``. None if nothing was committed after it."""
        commits = [t for (_, n0), (t, n) in pairwise(self.samples) if n > n0 and t >= since]
        if not commits:
            return None
        return max(b - a for a, b in pairwise([since, *commits]))


def applied(settings: Settings) -> int | None:
    try:
        with psycopg.connect(settings.database.libpq_url, connect_timeout=2) as conn:
            row = conn.execute("SELECT count(*) FROM processed_event").fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


@dataclass
class Run:
    """One fault's run: the stream published and merged, the fault injected by its scenario."""

    settings: Settings
    folders: list[Path]
    work: Path
    batch_size: int
    pace: float
    """Rows a second when publishing while the workers merge."""
    expected: int
    """About how many events the stream holds (the generator's target)."""
    workers: list[WorkerProc] = field(default_factory=list)
    published: int = 0
    publish_error: BaseException | None = None
    monitor: Monitor | None = None
    _publisher: threading.Thread | None = None

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            MSIX_HOME=str(self.settings.home.home),
            MSIX_KAFKA_BOOTSTRAP=self.settings.kafka.bootstrap,
            MSIX_KAFKA_TOPIC_PREFIX=self.settings.kafka.topic_prefix,
            MSIX_DATABASE_URL=self.settings.database.url,
            PGPASSFILE=str(pg_secrets.passfile(self.settings.home)),
        )
        return env | (extra or {})

    def worker(self, *args: str, env: dict[str, str] | None = None) -> WorkerProc:
        log = self.work / f"worker-{len(self.workers)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "hub", "worker", "--batch-size", str(self.batch_size), *args],
                env=self.env(env),
                stdout=out,
                stderr=out,
            )
        self.workers.append(WorkerProc(proc, log))
        return self.workers[-1]

    def start_monitor(self) -> None:
        self.monitor = Monitor(self.settings)
        self.monitor.start()

    # publishing

    def publish(self, paced: bool) -> None:
        """Publish the whole stream in a thread (at ``pace`` rows a second if ``paced``)."""
        self._publisher = threading.Thread(target=self._publish, args=(paced,), daemon=True, name="publisher")
        self._publisher.start()

    def _publish(self, paced: bool) -> None:
        started = time.perf_counter()
        try:
            # One producer for the stream, as a state's connector publishing a backlog would use.
            with Producer(self.settings.kafka) as producer:
                for folder in self.folders:
                    summary = publish_mde(
                        self.settings.kafka, open_submission(folder, folder.parent.name), producer=producer
                    )
                    self.published += summary.accepted + summary.rejected
                    ahead = self.published / self.pace - (time.perf_counter() - started)
                    if paced and ahead > 0:
                        producer.poll()
                        time.sleep(ahead)
        except BaseException as exc:  # reported by publish_done: a publish that failed is a finding
            self.publish_error = exc

    def publish_done(self, timeout: float = 600) -> None:
        """Wait for the publisher, if one was started; raise if it failed."""
        if self._publisher is None:
            return
        self._publisher.join(timeout)
        if self._publisher.is_alive():
            raise InfraError(f"publishing did not finish within {timeout:.0f} s")
        if self.publish_error is not None:
            raise InfraError(f"publishing failed: {self.publish_error}") from self.publish_error

    # waiting

    def wait_for(self, what: Callable[[], bool], why: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            if time.monotonic() > deadline:
                raise InfraError(f"waited {timeout:.0f} s for {why}")
            time.sleep(0.1)

    def wait_published(self, share: float) -> None:
        self.wait_for(lambda: self.published >= share * self.expected or self.publish_error is not None, "publishing")

    def wait_applied(self, share: float) -> None:
        self.wait_for(lambda: (applied(self.settings) or 0) >= share * self.expected, f"{share:.0%} applied")

    def settle(self, timeout: float = 900) -> float:
        """Wait until every record published is applied and every outbox row sent (errors while a
        service comes back are waited out); the time it took."""
        started = time.monotonic()
        deadline = started + timeout
        group = self.settings.kafka.topic_prefix + GROUP
        while True:
            try:
                idle.wait_caught_up(self.settings, group, self._alive, timeout=max(1.0, deadline - time.monotonic()))
                return time.monotonic() - started
            except Exception as exc:  # a service still coming back (PostgreSQL, a broker): ask again
                if time.monotonic() > deadline or not self._alive():
                    raise InfraError(f"the run did not settle: {exc}") from exc
                time.sleep(1)

    def _alive(self) -> bool:
        return any(w.proc.poll() is None for w in self.workers)

    def finish(self) -> list[Path]:
        """Stop every worker (and the monitor); the workers' logs."""
        for w in self.workers:
            w.stop()
        if self.monitor is not None:
            self.monitor.stop()
        return [w.log for w in self.workers]
