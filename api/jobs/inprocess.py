"""Jobs as the serving process starts them (:class:`Jobs`, on ``app.state.jobs``): an import goes to the
PostgreSQL queue, or runs in a thread of this process after the response (``BackgroundTasks``); and, when
jobs run in-process, a timer thread runs the deadline sweeps on ``GONGHUI_JOB_SWEEP_CRON``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import procrastinate
import structlog
from croniter import croniter

from api.config import Settings
from api.db.session import Database
from api.jobs import uses_queue, work
from api.services.member_imports import mark_interrupted

log = structlog.get_logger("gonghui.jobs")

#: ``BackgroundTasks.add_task``: runs ``fn(*args)`` after the response has gone
AddTask = Callable[..., None]


class Jobs:
    """The serving process's way to start background jobs; one per app."""

    def __init__(self, settings: Settings, db: Database):
        self.settings = settings
        self.db = db
        self.queued = uses_queue(settings)
        self._queue: procrastinate.App | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    # --- imports ---------------------------------------------------------------------------------------

    def import_scheduler(self, add_task: AddTask) -> Callable[..., None]:
        """The ``schedule`` of ``member_imports.start_import``: the queue, or ``add_task`` in-process."""
        if not self.queued:
            return lambda fn, *args: add_task(self._counted_inline, fn, *args)
        return self._defer_import

    @staticmethod
    def _counted_inline(fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            work.count(work.IMPORT_TASK, "failed")
            raise
        work.count(work.IMPORT_TASK, "succeeded")

    def _defer_import(
        self, _fn: Any, _db: Any, import_id: uuid.UUID, upload_path: str, _settings: Any
    ) -> None:
        from api.jobs.queue import defer_import

        path = upload_path
        try:
            path = work.spool(self.settings, import_id, upload_path)
            defer_import(self.queue(), import_id, path)
        except BaseException:
            work.remove(path)
            mark_interrupted(self.db, [import_id])  # visible as failed, not queued for ever
            raise

    def queue(self) -> procrastinate.App:
        """The queue, opened on first use (a small synchronous pool for deferring)."""
        with self._lock:
            if self._queue is None:
                from api.jobs.queue import make_app

                app = make_app(self.settings, self.db)
                app.open()
                self._queue = app
            return self._queue

    # --- the sweeps, in-process ------------------------------------------------------------------------

    def start(self) -> None:
        """When jobs run in-process (and sweeps are enabled): the sweeps' timer thread."""
        if self.queued or not self.settings.job_sweeps_enabled or self._sweeper is not None:
            return
        self._stop.clear()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="gonghui-sweeps", daemon=True)
        self._sweeper.start()

    def _sweep_loop(self) -> None:
        schedule = croniter(self.settings.job_sweep_cron, datetime.now())
        while True:
            delay = schedule.get_next(float) - time.time()
            if self._stop.wait(max(0.0, delay)):
                return
            try:
                work.run_sweeps(self.db)
            except Exception:  # logged by run_sweeps; the next tick tries again
                work.count(work.SWEEP_TASK, "failed")
            else:
                work.count(work.SWEEP_TASK, "succeeded")

    def stop(self) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
            self._sweeper = None
        with self._lock:
            if self._queue is not None:
                self._queue.close()
                self._queue = None
