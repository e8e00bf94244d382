"""The Grafana dashboard charts only metrics that hub.metrics exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_metric_in_the_dashboard_is_exported() -> None:
    dashboard = json.loads((ROOT / "infra" / "grafana" / "msix-states.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"msix_state_\w+", target["expr"])
    }
    source = (ROOT / "hub" / "metrics.py").read_text()
    exported = {"msix_state_" + name for name in re.findall(r'g\.set\(\s*"(\w+)"', source)}
    # Counters: Prometheus exposes them with "_total" after the family's name.
    exported |= {name + "_total" for name in re.findall(r'CounterMetricFamily\(\s*"(msix_state_\w+)"', source)}
    assert used and used <= exported, used - exported
    assert {"msix_state_consumer_lag", "msix_state_rejections_last_7d", "msix_state_completeness_ratio"} <= used
