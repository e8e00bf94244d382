"""``msix bench pipeline --plot FILE.svg``: the merge rate against the children stored, and the
end-to-end latency over the paced run, drawn as a plain SVG (no plotting library in the lock file,
and two panels of lines need none).

Both come from the workers' canonical "batch applied" log lines: each has its time, the events it
applied, the children it created, and its own latency median and 99th percentile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

Point = tuple[float, float]

WIDTH, PANEL_H, MARGIN_L, MARGIN_R, MARGIN_T, GAP = 760, 250, 80, 30, 40, 90
# The merge rate per window of at least this many seconds, and about POINTS windows a run: a
# window must hold several batches of 5,000, or the rate jumps by a batch's worth between windows.
WINDOW_S = 2.0
POINTS = 40


def _batches(log: str) -> list[dict[str, object]]:
    rows = []
    for line in log.splitlines():
        if '"batch applied"' in line:
            entry = json.loads(line)
            entry["t"] = datetime.fromisoformat(entry["timestamp"]).timestamp()
            rows.append(entry)
    return rows


def merge_points(logs: Sequence[str], stored: int = 0) -> list[Point]:
    """(children stored, events/s) per window of the merge, every worker's batches together;
    ``stored``: the children in the store before the run (``--stored``)."""
    batches = sorted((b for log in logs for b in _batches(log)), key=lambda b: float(b["t"]))  # type: ignore[arg-type]
    if not batches:
        return []
    start = float(batches[0]["t"])  # type: ignore[arg-type]
    width = max(WINDOW_S, (float(batches[-1]["t"]) - start) / POINTS)  # type: ignore[arg-type]
    points: list[Point] = []
    children, applied, window = stored, 0, 1
    for b in batches:
        while float(b["t"]) - start > window * width:  # type: ignore[arg-type]
            points.append((children, applied / width))
            applied, window = 0, window + 1
        applied += int(b["applied"])  # type: ignore[call-overload]
        children += int(b["new_children"])  # type: ignore[call-overload]
    return points


def latency_points(logs: Sequence[str]) -> tuple[list[Point], list[Point]]:
    """(seconds into the paced run, ms) per batch of every worker: its median and its 99th percentile."""
    batches = sorted(
        (b for log in logs for b in _batches(log) if "latency_p50_ms" in b),
        key=lambda b: float(b["t"]),  # type: ignore[arg-type]
    )
    if not batches:
        return [], []
    start = float(batches[0]["t"])  # type: ignore[arg-type]
    p50 = [(float(b["t"]) - start, float(b["latency_p50_ms"])) for b in batches]  # type: ignore[arg-type]
    p99 = [(float(b["t"]) - start, float(b["latency_p99_ms"])) for b in batches]  # type: ignore[arg-type]
    return p50, p99


def write(path: Path, merge: list[Point], latency: tuple[list[Point], list[Point]], workers: int) -> None:
    title = f"msix bench pipeline: merge ({workers} worker{'s' if workers > 1 else ''}) and latency"
    top = _panel(0, "children stored", "merge, events/s", [("merge rate", "#1f77b4", merge)])
    lat = [("p50 per batch", "#2ca02c", latency[0]), ("p99 per batch", "#d62728", latency[1])]
    bottom = _panel(1, "seconds into the paced run (half the merge rate)", "end-to-end latency, ms", lat)
    height = MARGIN_T + 2 * PANEL_H + 2 * GAP
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif"'
        ' font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
        *top,
        *bottom,
        "</svg>",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(svg) + "\n")


def _panel(n: int, xlabel: str, ylabel: str, series: list[tuple[str, str, list[Point]]]) -> list[str]:
    x0, y0 = MARGIN_L, MARGIN_T + n * (PANEL_H + GAP)
    w, h = WIDTH - MARGIN_L - MARGIN_R, PANEL_H
    xs = [x for _, _, pts in series for x, _ in pts] or [0.0, 1.0]
    ys = [y for _, _, pts in series for _, y in pts] or [1.0]
    xmax, ymax = _nice(max(xs)), _nice(max(ys))

    def sx(x: float) -> float:
        return x0 + w * x / xmax

    def sy(y: float) -> float:
        return y0 + h - h * y / ymax

    out = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#444"/>']
    for i in range(6):  # five intervals on each axis, labelled
        gx, gy = xmax * i / 5, ymax * i / 5
        out.append(f'<line x1="{sx(gx)}" y1="{y0}" x2="{sx(gx)}" y2="{y0 + h}" stroke="#ddd"/>')
        out.append(f'<line x1="{x0}" y1="{sy(gy)}" x2="{x0 + w}" y2="{sy(gy)}" stroke="#ddd"/>')
        out.append(f'<text x="{sx(gx)}" y="{y0 + h + 16}" text-anchor="middle">{_label(gx)}</text>')
        out.append(f'<text x="{x0 - 6}" y="{sy(gy) + 4}" text-anchor="end">{_label(gy)}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 36}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(
        f'<text x="{x0 - 58}" y="{y0 + h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 {x0 - 58} {y0 + h / 2})">{escape(ylabel)}</text>'
    )
    for k, (name, colour, pts) in enumerate(series):
        if pts:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        out.append(
            f'<text x="{x0 + w - 8}" y="{y0 + 16 + 15 * k}" text-anchor="end" fill="{colour}">{escape(name)}</text>'
        )
    return out


def _nice(v: float) -> float:
    """The axis' end: 1, 2 or 5 times a power of ten, at or above ``v``."""
    if v <= 0:
        return 1.0
    step = 10 ** len(str(int(v))) / 10
    for m in (1, 2, 5, 10):
        if m * step >= v:
            return m * step
    return 10 * step


def _label(v: float) -> str:
    if v >= 1_000_000:
        return f"{v / 1_000_000:g}M"
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"
