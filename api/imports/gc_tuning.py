"""Fewer garbage-collector passes while a bulk job runs.

CPython's cyclic collector runs a young-generation pass every 700 net allocations of container objects
(tuples, dicts, lists, dataclass instances), and every so often a full pass over every object of the
process (the whole application: ~120,000 objects). A bulk import allocates a few dozen containers per
row and keeps a batch of them alive at a time, so the collector ran ~550 young, ~50 middle and a few
full passes per 30,000 rows: about a tenth of the import's time, while finding almost nothing (rows
are freed by reference counting; docs/benchmarks.md, "2. Bulk import").

:func:`relaxed_gc` raises the young-generation threshold for the duration of a job. The collector
still runs (memory held by reference cycles stays bounded by the threshold: a few MB), just two
orders of magnitude less often. Thresholds are process-wide: overlapping jobs (two imports in the
server's worker threads) share one raised setting, and the last job to finish restores the original.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

#: young-generation threshold during bulk work (CPython's default is 700)
BULK_GEN0_THRESHOLD = 50_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def relaxed_gc(gen0: int = BULK_GEN0_THRESHOLD) -> Iterator[None]:
    """Run the block with the collector's young-generation threshold at least ``gen0``."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(gen0, _saved[0]), *_saved[1:])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
