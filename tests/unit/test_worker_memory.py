"""The worker caps glibc's malloc arenas, unless the operator set MALLOC_ARENA_MAX."""

from __future__ import annotations

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
