"""Cheap random draws: the benchmark makes millions of them, so each is one ``rng.random()`` or two."""

from __future__ import annotations

import random
from datetime import timedelta

DAY = timedelta(days=1)


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, three times faster."""
    return low + int(rng.random() * (high - low + 1))


def days_between(rng: random.Random, low: int, high: int) -> timedelta:
    """A random whole number of days from ``low`` to ``high``."""
    return between(rng, low, high) * DAY


def noise(rng: random.Random) -> float:
    """Triangular on (-1, 1), peaked at 0: cheaper than ``rng.gauss``."""
    return rng.random() + rng.random() - 1
