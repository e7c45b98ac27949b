"""Interpreter settings while a bulk job runs: fewer garbage-collector passes (:func:`relaxed_gc`) and
prompt hand-offs of the GIL between threads (:func:`prompt_handoffs`).

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

:func:`prompt_handoffs` shortens the interpreter's switch interval (how long a thread that wants the GIL
waits before the running thread is asked to give it up; 5 ms by default). On PostgreSQL an import's
``COPY`` runs in a background thread (api/db/bulk.py) that needs the GIL for a moment each time the
server answers, a few times per batch, while the import's thread computes: with 5 ms it often waited
longer than the server took, and the server sat idle. At 0.5 ms a 100k-row import took 12.2-12.5 s
instead of 13.2-13.3 s (alternating runs on a quiet machine). Process-wide and shared like the
collector's threshold.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator

#: young-generation threshold during bulk work (CPython's default is 700)
BULK_GEN0_THRESHOLD = 50_000
#: the interpreter's switch interval during bulk work, seconds (CPython's default is 0.005)
BULK_SWITCH_INTERVAL = 0.0005

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


_handoff_lock = threading.Lock()
_handoff_active = 0
_saved_interval = 0.0


@contextlib.contextmanager
def prompt_handoffs(interval: float = BULK_SWITCH_INTERVAL) -> Iterator[None]:
    """Run the block with the interpreter's switch interval at most ``interval`` seconds."""
    global _handoff_active, _saved_interval
    with _handoff_lock:
        if _handoff_active == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _saved_interval))
        _handoff_active += 1
    try:
        yield
    finally:
        with _handoff_lock:
            _handoff_active -= 1
            if _handoff_active == 0:
                sys.setswitchinterval(_saved_interval)
