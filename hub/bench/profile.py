"""``msix bench pipeline --profile DIR``: where a merge worker's time goes, in one command.

Three views of the same merge, written into DIR:

- ``merge-N.txt``: py-spy's sampled stacks of worker N (``--format raw``: one collapsed stack a line
  with its sample count; feed it to flamegraph.pl or speedscope), idle threads left out, so the
  samples are where the worker's CPU goes;
- ``steps.json``: the worker's own clock per step (poll, decode, claim, link, apply, write,
  outbox, commit), summed over every batch it logged;
- ``statements.txt``: PostgreSQL's top statements by total execution time (pg_stat_statements,
  reset when the merge starts), the database's side of the same run;
- ``summary.md``: the three, short, as docs/benchmarks.md quotes them.

py-spy is a dev dependency (``uv sync`` installs it); it reads another process's memory, which
needs ptrace rights (root, or ``kernel.yama.ptrace_scope`` 0).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from infra.local import postgres

# The worker's steps in the order of a batch; "poll" and "decode" are logged by the worker loop,
# the rest by merge_batch.process.
STEPS = ("poll", "decode", "claim", "link", "apply", "write", "outbox", "commit")
# Samples a second: py-spy's default (100) costs the sampled worker a few percent with
# --nonblocking; fewer would leave the short steps (claim, outbox) with a handful of samples.
RATE = 100


def pyspy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("--profile needs py-spy: `uv sync` (a dev dependency) or pip install py-spy")
    return found


@dataclass
class Profiler:
    """py-spy on each worker, and pg_stat_statements around the merge."""

    out: Path
    settings: Settings
    samplers: list[subprocess.Popen[bytes]]

    @classmethod
    def start(cls, out: Path, settings: Settings) -> Profiler:
        out.mkdir(parents=True, exist_ok=True)
        with postgres.statements_connection(settings, settings.database.database) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
        return cls(out, settings, [])

    def attach(self, n: int, pid: int) -> None:
        # --nonblocking: read the worker's memory without pausing it, so the profile does not slow
        # what it measures (a rare torn stack is the price).
        cmd = [pyspy(), "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking", "--format", "raw"]
        cmd += ["--output", str(self.out / f"merge-{n}.txt")]
        log = (self.out / f"py-spy-{n}.log").open("wb")
        self.samplers.append(subprocess.Popen(cmd, stdout=log, stderr=log))  # noqa: S603

    def finish(self, worker_logs: list[str]) -> str:
        """Wait for the samplers (they stop when their worker exits), write the files; the summary."""
        for proc in self.samplers:
            proc.wait(timeout=60)
        steps = step_totals(worker_logs)
        (self.out / "steps.json").write_text(json.dumps(steps, indent=2) + "\n")
        statements = top_statements(self.settings)
        (self.out / "statements.txt").write_text("\n".join(statements) + "\n")
        stacks = Counter[str]()
        for raw in sorted(self.out.glob("merge-*.txt")):
            stacks.update(read_stacks(raw.read_text()))
        summary = render(steps, statements, stacks)
        (self.out / "summary.md").write_text(summary)
        return summary


def step_totals(logs: list[str]) -> dict[str, float]:
    """Milliseconds per step, summed over every "batch applied" line of every worker log."""
    totals = dict.fromkeys(STEPS, 0.0)
    for text in logs:
        for line in text.splitlines():
            if '"batch applied"' not in line:
                continue
            entry = json.loads(line)
            for step in STEPS:
                totals[step] += float(entry.get(step, 0.0))
    return {step: round(ms, 1) for step, ms in totals.items()}


def top_statements(settings: Settings, limit: int = 12) -> list[str]:
    query = """
        SELECT calls, total_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = %s ORDER BY total_exec_time DESC LIMIT %s"""
    with postgres.statements_connection(settings, settings.database.database) as conn:
        rows = conn.execute(query, [settings.database.database, limit]).fetchall()
        total = conn.execute(
            "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s",
            [settings.database.database],
        ).fetchone()
    lines = [f"all statements: {float(str(total[0] if total else 0)) / 1000:,.1f} s of execution"]
    for calls, ms, count, text in rows:
        lines.append(f"{float(str(ms)) / 1000:7.1f} s {int(str(calls)):>7,} calls {int(str(count)):>10,} rows  {text}")
    return lines


def read_stacks(text: str) -> Counter[str]:
    """py-spy's raw format: ``frame;frame;... count`` a line, each frame ``function (file:line)``."""
    stacks = Counter[str]()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


# Frames every thread has at its root: near 100% inclusive, they would crowd out the table.
_PLUMBING = ("threading.", "thread.", "<frozen runpy>", "supervisor.")


def functions(stacks: Counter[str], limit: int = 25) -> list[tuple[str, float, float]]:
    """(function, inclusive share, self share) of the samples, the largest inclusive first."""
    total = sum(stacks.values()) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = [_frame(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    ranked = sorted((kv for kv in inclusive.items() if not kv[0].startswith(_PLUMBING)), key=lambda kv: -kv[1])
    return [(name, n / total, own[name] / total) for name, n in ranked[:limit]]


def _frame(frame: str) -> str:
    """``process (consumers/merge_batch.py:140)`` -> ``merge_batch.process``: lines merged."""
    name, _, where = frame.partition(" (")
    module = Path(where.split(":")[0]).stem if where else ""
    return f"{module}.{name}" if module else name


def render(steps: dict[str, float], statements: list[str], stacks: Counter[str]) -> str:
    total = sum(steps.values()) or 1.0
    lines = ["## Worker clock per step (all workers, summed)", "", "| step | s | share |", "|---|---:|---:|"]
    lines += [f"| {s} | {ms / 1000:,.1f} | {ms / total:.0%} |" for s, ms in steps.items()]
    lines += ["", f"## py-spy: {sum(stacks.values()):,} samples (non-idle threads)", ""]
    lines += ["| function | inclusive | self |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {inc:.1%} | {own:.1%} |" for name, inc, own in functions(stacks)]
    lines += ["", "## PostgreSQL (pg_stat_statements, the merge only)", "", "```", *statements, "```", ""]
    return "\n".join(lines)
