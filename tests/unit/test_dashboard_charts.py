"""The dashboard's SVG charts and its short-lived cache, without a server."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET

from hub.api.charts import _nice_max, stacked_bars
from hub.api.dashboard import TtlCache

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_drawn_to_scale_and_stacked_by_series() -> None:
    svg = str(stacked_bars("Rows", ["a", "b", "c"], {"x": [1, 0, 3], "y": [1, 0, 5]}))
    root = ET.fromstring(svg[: svg.index("</svg>") + 6])
    rects = root.findall(f".//{SVG}rect")
    heights = [float(r.get("height", "0")) for r in rects]
    assert len(rects) == 4  # zero-height bars are left out
    # The tallest stack (8) reaches the top of the plot; the others are in proportion.
    assert abs(heights[2] + heights[3] - 182) < 0.2 and abs(heights[0] * 3 - heights[2]) < 0.3  # one decimal each
    assert root.get("aria-label") == "Rows: 10 in all" and root.get("role") == "img"
    assert '<ul class="legend"' in svg and "x</li>" in svg


def test_labels_are_escaped() -> None:
    svg = str(stacked_bars("<b>", ["<script>"], {"a & b": [1]}, legend=True))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg and "<b>" not in svg


def test_axis_top_is_four_round_steps() -> None:
    assert [_nice_max(v) for v in (0, 4, 5, 11, 20, 21, 99, 1000)] == [4, 4, 8, 20, 20, 40, 200, 2000]


def test_cache_recomputes_only_after_its_ttl() -> None:
    t = [0.0]
    calls: list[str] = []
    cache: TtlCache[int] = TtlCache(30, clock=lambda: t[0])

    def compute() -> int:
        calls.append("x")
        return len(calls)

    assert cache.get("FL", compute) == 1 and cache.get("FL", compute) == 1
    assert cache.get("TX", compute) == 2  # by key
    t[0] = 29.9
    assert cache.get("FL", compute) == 1
    t[0] = 30.0
    assert cache.get("FL", compute) == 3


def test_background_cache_answers_at_once_and_refreshes_in_a_thread() -> None:
    t = [0.0]
    release = threading.Event()
    calls: list[str] = []
    cache: TtlCache[int] = TtlCache(300, clock=lambda: t[0], background=True)

    def compute() -> int:
        calls.append("x")
        if len(calls) > 1:
            release.wait(10)  # a slow recomputation
        return len(calls)

    assert cache.get("FL", compute) == 1  # the first value is computed by the caller
    t[0] = 301.0
    assert cache.get("FL", compute) == 1  # stale: answered at once, a refresh starts
    assert cache.get("FL", compute) == 1 and len(calls) == 2  # one refresh at a time
    release.set()
    deadline = time.monotonic() + 10
    while cache.get("FL", compute) != 2:
        assert time.monotonic() < deadline, "the refresh never landed"
        time.sleep(0.01)
    assert len(calls) == 2


def test_background_cache_keeps_the_old_value_when_a_refresh_fails() -> None:
    t = [0.0]
    cache: TtlCache[int] = TtlCache(300, clock=lambda: t[0], background=True)
    assert cache.get("FL", lambda: 1) == 1
    t[0] = 301.0

    def fail() -> int:
        raise RuntimeError("database gone")

    assert cache.get("FL", fail) == 1
    time.sleep(0.2)
    assert cache.get("FL", lambda: 5) == 1  # the failed refresh kept the value (retried later)
