"""The worker's heap: glibc's malloc arenas capped at two, and Python's cyclic collector run less often.

glibc gives each thread that meets another in malloc an arena of its own, up to eight a core, and
a freed block goes back to its own arena only: the worker's threads (the merge and its transaction
thread, the relay, the side topics, librdkafka's per broker) each keep a fragmented 64 MB heap.
Measured on the national run (46 states, three brokers, 5,000,000 events, two workers, 8 MB
fetches): the largest worker 448 MB, 388 MB with two arenas. The operator's own MALLOC_ARENA_MAX
wins; on a C library without ``mallopt`` (musl) nothing changes.

Python's cyclic collector looks at its young generation each time 700 more container objects
(dicts, tuples, dataclasses) were made than freed. A batch of 5,000 events makes hundreds of
thousands that live until its transaction ends, so at 700 the collector walked each of them
several times, moved them to the older generations, and walked them there again (``YOUNG`` gives
what that cost). Nearly everything a batch makes is freed by its reference count, not by the
collector, which is there for the rare cycle. See ``settle_heap``.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2

# The young generation's threshold (CPython's default: 700). Measured with ``gc.callbacks`` timing
# each collection in the collecting thread's CPU time, `msix bench pipeline --events 300000
# --workers 2`, a worker of about 150,000 events: at 700, 2.3-2.9 s of its 12-18 s of CPU, in
# 2,700-3,300 collections (22-27 of them full, 55 ms each); at 50,000, 0.5-0.6 s in 13-14 (one
# full): a young collection of a batch's 50,000 live objects takes 30-35 ms, where it lands in the
# batch. The largest worker's peak RSS was 198-212 MB either way: what waits longer for the
# collector is a few cycles, not the batch.
YOUNG = 50_000


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap the arenas before the worker starts its threads; True when glibc took it."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def settle_heap(young: int = YOUNG) -> None:
    """Before the first batch: what the process holds by now (modules, settings, clients, the
    matcher's tables) is collected once and frozen, out of the collector's sight for good, and the
    young generation is collected every ``young`` objects instead of every 700. The older
    generations keep their thresholds (relative to the young one's collections)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, *gc.get_threshold()[1:])
