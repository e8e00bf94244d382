"""Bar charts as SVG text, drawn by the server: no chart library, no script, nothing fetched by the
browser. Pure: values in, markup out (Jinja escapes nothing here, so every label is escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 44, 28, 10
# Colour-blind-safe palette (Okabe-Ito); the legend and each bar's <title> also name the series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _nice_max(value: float) -> int:
    """The axis' top: four equal steps of 1, 2 or 5 times a power of ten, at or above ``value``."""
    step = 1
    while step * 4 < value:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50, ...
            step = int(step * factor)
            if step * 4 >= value:
                break
    return step * 4


def stacked_bars(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    tick_every: int = 1,
    legend: bool = False,
) -> Markup:
    """Bars for each label, stacked by series (one series: plain bars). ``labels[i]`` names bar i;
    every ``tick_every``-th label is written under the axis. The chart has a text alternative
    (its title and the total) and each bar a tooltip with its figures."""
    n = len(labels)
    totals = [sum(values[i] for values in series.values()) for i in range(n)]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    bar_w = plot_w / max(n, 1)
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}: {sum(totals)} in all" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):  # gridlines and the y axis
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{value:g}</text>')
    names = list(series)
    for i, label in enumerate(labels):
        x = LEFT + i * bar_w
        base: float = TOP + plot_h
        parts = ", ".join(f"{escape(name)} {series[name][i]}" for name in names if series[name][i])
        out.append(
            f"<g><title>{escape(label)}: {totals[i]}{' (' + parts + ')' if len(names) > 1 and parts else ''}</title>"
        )
        for j, name in enumerate(names):
            v = series[name][i]
            if not v:
                continue
            h = plot_h * v / top
            base -= h
            out.append(
                f'<rect x="{x + bar_w * 0.1:.1f}" y="{base:.1f}" width="{max(bar_w * 0.8, 1):.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            )
        out.append("</g>")
        if tick_every and i % tick_every == 0:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" class="tick">'
                f"{escape(label)}</text>"
            )
    out.append("</svg>")
    svg = "".join(out)
    if legend or len(names) > 1:
        items = "".join(
            f'<li><span class="swatch" style="background:{PALETTE[j % len(PALETTE)]}"></span>{escape(name)}</li>'
            for j, name in enumerate(names)
        )
        svg += f'<ul class="legend" aria-label="Legend">{items}</ul>'
    return Markup(svg)  # noqa: S704 - every interpolated label above is escaped
