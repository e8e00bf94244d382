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

from hub.config import KafkaSettings, Settings
from producers.admin import apply_topics
from producers.topics import Topics

Report = Callable[[str], None]
STATE = "TX"


@dataclass
class EdfiFigures:
    elements: int
    published: int
    rejected: int
    megabytes: float
    seconds: float
    elements_per_s: float
    cpu_seconds: float
    elements_per_cpu_s: float
    megabytes_per_s: float
    peak_rss_mb: float

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


def _publish(folder: str, kafka: KafkaSettings, out: multiprocessing.Queue[dict[str, float]]) -> None:
    from connectors.edfi.reader import open_submission
    from connectors.publish import publish

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    summary = publish(kafka, open_submission(Path(folder), STATE))
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    files = summary.files
    out.put(
        {
            "seconds": seconds,
            # CPU time of the process (its librdkafka threads included): on a shared machine, the
            # wall-clock rate depends on what else runs; this does much less.
            "cpu_seconds": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "elements": sum(f.accepted + f.rejected + f.folded + f.skipped for f in files),
            "published": summary.accepted,
            "rejected": summary.rejected,
            # ru_maxrss is in KiB on Linux: the peak of this process, imports included.
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def run(base: Settings, elements: int, seed: int, report: Report) -> EdfiFigures:
    run_id = f"benchedfi{int(time.time())}"
    kafka = KafkaSettings(bootstrap=base.kafka.bootstrap, topic_prefix=f"{run_id}.")
    work = Path(tempfile.mkdtemp(prefix="msix-bench-edfi-"))
    try:
        report(f"generating about {elements:,} Ed-Fi elements")
        written = generate(work / STATE, elements, seed)
        size = sum(p.stat().st_size for p in (work / STATE).iterdir())
        report(f"wrote {written:,} elements, {size / 1e6:,.0f} MB; publishing in a fresh process")
        apply_topics(kafka, Topics(kafka.topic_prefix).specs((STATE,)))
        ctx = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[dict[str, float]] = ctx.Queue()
        proc = ctx.Process(target=_publish, args=(str(work / STATE), kafka, queue))
        proc.start()
        result = queue.get(timeout=3600)
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"the publishing process failed (exit {proc.exitcode})")
        seconds = result["seconds"]
        return EdfiFigures(
            elements=int(result["elements"]),
            published=int(result["published"]),
            rejected=int(result["rejected"]),
            megabytes=size / 1e6,
            seconds=seconds,
            elements_per_s=result["elements"] / seconds,
            cpu_seconds=result["cpu_seconds"],
            elements_per_cpu_s=result["elements"] / result["cpu_seconds"],
            megabytes_per_s=size / 1e6 / seconds,
            peak_rss_mb=result["peak_rss_mb"],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
