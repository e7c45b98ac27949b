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
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

#: young-generation threshold during bulk work (CPython's default is 700)
BULK_GEN0_THRESHOLD = 50_000
#: the interpreter's switch interval during bulk work, seconds (CPython's default is 0.005)
BULK_SWITCH_INTERVAL = 0.0005

T = TypeVar("T")


class _SharedSetting(Generic[T]):
    """A process-wide interpreter setting held by overlapping jobs: the first to enter saves the value
    and applies its own, the last to leave restores it (jobs in the server's worker threads overlap)."""

    def __init__(self, get: Callable[[], T], set_: Callable[[T], None]):
        self._get, self._set = get, set_
        self._lock = threading.Lock()
        self._holders = 0
        self._saved: T | None = None

    @contextlib.contextmanager
    def held(self, change: Callable[[T], T]) -> Iterator[None]:
        """Run the block with the setting at ``change(saved value)``."""
        with self._lock:
            if self._holders == 0:
                self._saved = self._get()
                self._set(change(self._saved))
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._saved is not None:
                    self._set(self._saved)


_thresholds: _SharedSetting[tuple[int, ...]] = _SharedSetting(
    gc.get_threshold, lambda t: gc.set_threshold(*t)
)
_switch_interval: _SharedSetting[float] = _SharedSetting(sys.getswitchinterval, sys.setswitchinterval)


@contextlib.contextmanager
def relaxed_gc(gen0: int = BULK_GEN0_THRESHOLD) -> Iterator[None]:
    """Run the block with the collector's young-generation threshold at least ``gen0``."""
    with _thresholds.held(lambda saved: (max(gen0, saved[0]), *saved[1:])):
        yield


@contextlib.contextmanager
def prompt_handoffs(interval: float = BULK_SWITCH_INTERVAL) -> Iterator[None]:
    """Run the block with the interpreter's switch interval at most ``interval`` seconds."""
    with _switch_interval.held(lambda saved: min(interval, saved)):
        yield
