"""The PostgreSQL job queue (procrastinate, docs/scaling.md): tasks, retries, periodic sweeps, the reaper of
jobs whose worker died, and :func:`run_worker` (``gonghui worker``).

How a job is never lost nor run twice:

- a worker takes a job with ``SELECT ... FOR UPDATE SKIP LOCKED`` in procrastinate's ``fetch_job``, so
  two workers (on any hosts) never take the same job;
- every worker writes a heartbeat (``procrastinate_workers``) every few seconds; the periodic task
  ``reap_stalled`` finds the running jobs of workers silent for ``GONGHUI_JOB_STALLED_SECONDS`` and puts
  them back in the queue, or, after ``GONGHUI_JOB_MAX_ATTEMPTS`` runs, fails them for good (an import job
  is then marked failed ``import_interrupted``, visible in the API). An import is one transaction: a
  dead worker's connection closes and PostgreSQL rolls it back, so a re-run starts from nothing;
- a job that raises is retried by its task's :class:`procrastinate.RetryStrategy`;
- the periodic deferrer inserts each tick of a periodic task once, whichever workers run it, and the
  sweeps take a queue lock (``lock=``) so two rounds never overlap.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext, RetryStrategy
from procrastinate.jobs import Status

from api.config import Settings
from api.db.session import Database
from api.jobs import work
from api.services.member_imports import mark_interrupted

#: queues: imports may take minutes, sweeps and the reaper must not wait behind them
IMPORTS_QUEUE = "imports"
SWEEPS_QUEUE = "sweeps"
#: an import that raised (not a failed import: that is recorded in the job row and ends the job) is
#: tried again after 5 s, then 10 s
IMPORT_RETRY = RetryStrategy(max_attempts=2, exponential_wait=5)
SWEEP_RETRY = RetryStrategy(max_attempts=2, wait=30)


def conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise RuntimeError(
            "the job queue needs PostgreSQL (GONGHUI_DATABASE_URL); SQLite runs jobs in-process"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _counted(
    task: str,
    strategy: RetryStrategy | None,
    body: Callable[[JobContext], None],
    *,
    on_final_failure: Any = None,
) -> Callable[..., None]:
    """Run ``body`` counting its outcome: succeeded, retried (it raised and the strategy tries again) or
    failed (raised for the last time; ``on_final_failure(context)`` cleans up)."""

    def run(context: JobContext) -> None:
        try:
            body(context)
        except Exception as exc:
            again = strategy is not None and strategy.get_retry_decision(exception=exc, job=context.job)
            work.count(task, "retried" if again else "failed")
            if not again and on_final_failure is not None:
                on_final_failure(context)
            raise
        work.count(task, "succeeded")

    return run


def make_app(settings: Settings, db: Database) -> procrastinate.App:
    """The queue for ``settings``' PostgreSQL database, its tasks bound to ``db``.

    Deferring (from the API) uses a small synchronous pool opened on first use; a worker opens the
    asynchronous one (:func:`run_worker`).
    """
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(settings.database_url), min_size=1, max_size=4
        )
    )

    def import_body(context: JobContext) -> None:
        args = context.job.task_kwargs
        work.import_members(db, settings, uuid.UUID(str(args["import_id"])), str(args["file_path"]))

    def import_given_up(context: JobContext) -> None:
        args = context.job.task_kwargs
        mark_interrupted(db, [uuid.UUID(str(args["import_id"]))])
        work.remove(str(args["file_path"]))

    run_import = _counted(work.IMPORT_TASK, IMPORT_RETRY, import_body, on_final_failure=import_given_up)

    @app.task(name=work.IMPORT_TASK, queue=IMPORTS_QUEUE, retry=IMPORT_RETRY, pass_context=True)
    def member_import(context: JobContext, import_id: str, file_path: str) -> None:
        run_import(context)

    def sweep_body(context: JobContext) -> None:
        work.run_sweeps(db)

    run_sweep = _counted(work.SWEEP_TASK, SWEEP_RETRY, sweep_body)

    @app.periodic(cron=settings.job_sweep_cron, periodic_id="deadlines")
    @app.task(
        name=work.SWEEP_TASK, queue=SWEEPS_QUEUE, lock=work.SWEEP_TASK, retry=SWEEP_RETRY, pass_context=True
    )
    def deadline_sweep(context: JobContext, timestamp: int) -> None:
        run_sweep(context)

    @app.periodic(cron=settings.job_reaper_cron, periodic_id="stalled")
    @app.task(name=work.REAP_TASK, queue=SWEEPS_QUEUE, lock=work.REAP_TASK)
    async def reap_stalled(timestamp: int) -> None:
        await reap(app, db, settings)

    return app


async def reap(app: procrastinate.App, db: Database, settings: Settings) -> int:
    """Jobs left running by workers without a heartbeat for ``job_stalled_seconds``: back to the queue,
    or failed once they have run ``job_max_attempts`` times. Returns how many were handled."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.job_stalled_seconds)
    )
    for job in stalled:
        if job.attempts + 1 >= settings.job_max_attempts:
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
            work.count(job.task_name, "failed")
            if job.task_name == work.IMPORT_TASK:
                import_id = uuid.UUID(str(job.task_kwargs["import_id"]))
                await asyncio.to_thread(mark_interrupted, db, [import_id])
                work.remove(str(job.task_kwargs["file_path"]))
            logging.getLogger("gonghui.jobs").warning("job %s of a dead worker failed for good", job.id)
        else:
            await app.job_manager.retry_job(job)
            work.count(job.task_name, "retried")
            logging.getLogger("gonghui.jobs").warning("job %s of a dead worker queued again", job.id)
    return len(stalled)


def defer_import(app: procrastinate.App, import_id: uuid.UUID, file_path: str) -> int:
    """Queue an import job (once per import: the queueing lock refuses a second one). Returns its id."""
    return app.configure_task(work.IMPORT_TASK, queueing_lock=f"{work.IMPORT_TASK}:{import_id}").defer(
        import_id=str(import_id), file_path=file_path
    )


def run_worker(
    settings: Settings,
    db: Database,
    *,
    concurrency: int = 1,
    queues: list[str] | None = None,
    name: str | None = None,
    heartbeat_seconds: float | None = None,
) -> None:
    """Run one worker process until SIGINT/SIGTERM (it finishes its running jobs first).

    Its heartbeat goes every ``job_stalled_seconds / 3`` seconds (other workers count it dead after
    ``job_stalled_seconds``); it also prunes the heartbeats of dead workers and runs the periodic
    deferrer, which every worker runs (each tick is deferred once)."""
    app = make_app(settings, db)
    beat = heartbeat_seconds or max(1.0, settings.job_stalled_seconds / 3)
    app.run_worker(
        queues=queues,
        name=name,
        concurrency=concurrency,
        update_heartbeat_interval=beat,
        stalled_worker_timeout=float(settings.job_stalled_seconds),
        fetch_job_polling_interval=1.0,
    )
