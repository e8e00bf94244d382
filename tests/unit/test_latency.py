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


def test_a_batch_counts_like_its_messages_one_by_one():
    produced = [1000, 1000, 1000, 1500, 1990, 1990, 1999]
    one_by_one, batch = LatencyHistogram(), LatencyHistogram()
    for ms in produced:
        one_by_one.record(2000.0 - ms)
    batch.record_batch(2000.0, produced)
    assert batch.counts == one_by_one.counts
    assert batch.total == one_by_one.total == 7


def test_workers_histograms_merge_into_the_histogram_of_all_their_messages():
    first, second, whole = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for ms in range(1, 600):
        first.record(float(ms))
        whole.record(float(ms))
    for ms in range(2000, 2100):
        second.record(float(ms))
        whole.record(float(ms))
    merged = LatencyHistogram.merged([first.as_json(), second.as_json()])
    assert merged.counts == whole.counts
    assert merged.total == 699
    # The slow worker's tail is the whole run's p99, which neither worker's own p99 averaged gives.
    assert merged.quantile(0.99) == pytest.approx(2090, rel=0.03)
