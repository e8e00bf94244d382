"""Records kept aside come back in order, from disk past one batch, and only once."""

from __future__ import annotations

from connectors.edfi.aside import Aside


def test_values_come_back_in_order_once() -> None:
    aside = Aside()
    values = [(n, f"TX-{n}", {"enrollment_date": "2025-08-20", "n": str(n)} if n % 3 else None) for n in range(5000)]
    for value in values:
        aside.add(value)
    assert aside._file is not None  # past one batch: on disk, not in memory
    assert list(aside.drain()) == values
    assert list(aside.drain()) == []
    aside.add(("again",))
    assert list(aside.drain()) == [("again",)]
