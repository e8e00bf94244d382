import pytest

from consumers.latency import LatencyHistogram


def test_quantiles_within_bucket_resolution():
    h = LatencyHistogram()
    for ms in range(1, 1001):
        h.record(float(ms))
    assert h.quantile(0.5) == pytest.approx(500, rel=0.03)
    assert h.quantile(0.99) == pytest.approx(990, rel=0.03)
    assert h.total == 1000


def test_empty_histogram_has_no_quantile():
    assert LatencyHistogram().quantile(0.5) is None
