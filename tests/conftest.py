"""Test order on demand, to find tests that pass only in the order they are written.

``MSIX_TEST_ORDER=reverse`` runs the modules, and the tests in each, last first;
``MSIX_TEST_ORDER=shuffle:SEED`` in an order drawn from SEED. Tests stay grouped by module, so a
module's fixtures are still set up once. Unset, the order is the files' own.
"""

from __future__ import annotations

import os
import random
from itertools import groupby

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order = os.environ.get("MSIX_TEST_ORDER", "")
    if not order:
        return
    modules = [list(tests) for _, tests in groupby(items, key=lambda item: item.nodeid.split("::")[0])]
    if order == "reverse":
        arranged = [test for module in reversed(modules) for test in reversed(module)]
    elif order.startswith("shuffle:"):
        rng = random.Random(order.removeprefix("shuffle:"))
        rng.shuffle(modules)
        for module in modules:
            rng.shuffle(module)
        arranged = [test for module in modules for test in module]
    else:
        raise pytest.UsageError(f"MSIX_TEST_ORDER must be 'reverse' or 'shuffle:SEED', not {order!r}")
    items[:] = arranged
    print(f"\ntest order: {order}")
