"""The worker caps glibc's malloc arenas, unless the operator set MALLOC_ARENA_MAX, and settles its heap
before the first batch."""

from __future__ import annotations

import gc
import sys

import pytest

from consumers import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_glibc_takes_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memory.cap_malloc_arenas() is True


def test_the_operators_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert memory.cap_malloc_arenas() is False


def test_the_heap_is_settled_before_the_first_batch() -> None:
    before = gc.get_threshold()
    gc.unfreeze()  # whatever an earlier test froze: the freeze counted below is settle_heap's own
    assert gc.get_freeze_count() == 0
    try:
        memory.settle_heap(young=12_345)
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0  # the process's modules and clients: out of the collector's sight
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
