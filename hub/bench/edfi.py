"""``msix bench edfi``: the Ed-Fi connector's speed, parsing and publishing to the real broker.

1. generate about N Ed-Fi elements (not timed: the state's system does that): cohorts of synthetic
   children (``hub.synthetic``), each state's snapshot written as Ed-Fi 5.2 interchanges into one
   folder, so each file grows to the submission's full size;
2. in a fresh process (so its memory is the connector's alone), open the submission and publish it
   to topics of the benchmark's own on the running broker, until Kafka acknowledged every message:
   elements per second (every top-level interchange element read: published, rejected, folded into
   another record or skipped), megabytes per second, and the process's peak RSS; also per second of
   the process's CPU time, which depends much less on what else the machine is running.
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from hub.bench.stolen import cpu_ticks, stolen_percent
from hub.config import KafkaSettings, Settings
from producers.admin import apply_topics
from producers.topics import Topics

Report = Callable[[str], None]
STATE = "TX"


@dataclass
class EdfiFigures:
    elements: int
    processes: int
    read_ahead: bool
    published: int
    rejected: int
    megabytes: float
    seconds: float
    elements_per_s: float
    cpu_seconds: float
    elements_per_cpu_s: float
    megabytes_per_s: float
    peak_rss_mb: float
    stolen_percent: float | None
    """CPU time the hypervisor gave to others while the submission was published (``hub.bench.stolen``)."""

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def generate(folder: Path, elements: int, seed: int, cohort: int = 2000) -> int:
    """Write about ``elements`` Ed-Fi elements into ``folder``; return how many were written."""
    from connectors.edfi.writer import EdfiWriter
    from hub.synthetic import BENCHMARK_STATES, build_world
    from hub.synthetic.edfi import snapshots
    from hub.synthetic.rows import submissions

    writer = EdfiWriter(folder)
    batch = 0
    try:
        while sum(writer.counts.values()) < elements:
            batch += 1
            world = build_world(seed * 1_000_003 + batch, cohort, BENCHMARK_STATES, 2025, first_child=batch * cohort)
            for rows in snapshots(submissions(world, 0.0, batch=batch)).values():
                writer.add(rows)
    finally:
        writer.close()
    return sum(writer.counts.values())


def _cpu() -> float:
    # This process and its waited-for children (the other shares' processes), librdkafka's threads included.
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _publish(
    folder: str,
    kafka: KafkaSettings,
    processes: int,
    read_ahead: bool | None,
    out: multiprocessing.Queue[dict[str, float]],
) -> None:
    from connectors.edfi.reader import open_submission
    from connectors.publish import publish_shared

    before = _cpu()
    started = time.perf_counter()
    submission = open_submission(Path(folder), STATE)
    if read_ahead is not None:
        submission = submission.reading_ahead(read_ahead)
    summary = publish_shared(kafka, submission, processes)
    seconds = time.perf_counter() - started
    cpu = _cpu() - before
    files = summary.files
    out.put(
        {
            "seconds": seconds,
            # On a shared machine the wall-clock rate depends on what else runs; the CPU time much less.
            "cpu_seconds": cpu,
            "elements": sum(f.accepted + f.rejected + f.folded + f.skipped for f in files),
            "published": summary.accepted,
            "rejected": summary.rejected,
            # ru_maxrss is in KiB on Linux: the peak of one process (this one, a share's or a reading process's).
            "peak_rss_mb": max(resource.getrusage(who).ru_maxrss for who in _WHO) / 1024,
            "read_ahead": submission.read_ahead,
        }
    )


_WHO = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def run(
    base: Settings, elements: int, seed: int, report: Report, processes: int = 1, read_ahead: bool | None = None
) -> EdfiFigures:
    run_id = f"benchedfi{int(time.time())}"
    # As the operator (with Kafka security on, every connection logs in): topics of the run's own.
    kafka = KafkaSettings(bootstrap=base.kafka.bootstrap, topic_prefix=f"{run_id}.", credentials=base.kafka.credentials)
    work = Path(tempfile.mkdtemp(prefix="msix-bench-edfi-"))
    try:
        report(f"generating about {elements:,} Ed-Fi elements")
        written = generate(work / STATE, elements, seed)
        size = sum(p.stat().st_size for p in (work / STATE).iterdir())
        report(f"wrote {written:,} elements, {size / 1e6:,.0f} MB; publishing in {processes} fresh process(es)")
        apply_topics(kafka, Topics(kafka.topic_prefix).specs((STATE,)))
        ctx = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[dict[str, float]] = ctx.Queue()
        proc = ctx.Process(target=_publish, args=(str(work / STATE), kafka, processes, read_ahead, queue))
        ticks = cpu_ticks()
        proc.start()
        result = queue.get(timeout=3600)
        stolen = stolen_percent(ticks, cpu_ticks())
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"the publishing process failed (exit {proc.exitcode})")
        seconds = result["seconds"]
        return EdfiFigures(
            elements=int(result["elements"]),
            processes=processes,
            read_ahead=bool(result["read_ahead"]),
            published=int(result["published"]),
            rejected=int(result["rejected"]),
            megabytes=size / 1e6,
            seconds=seconds,
            elements_per_s=result["elements"] / seconds,
            cpu_seconds=result["cpu_seconds"],
            elements_per_cpu_s=result["elements"] / result["cpu_seconds"],
            megabytes_per_s=size / 1e6 / seconds,
            peak_rss_mb=result["peak_rss_mb"],
            stolen_percent=stolen,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
