"""Background jobs: member imports and the deadline sweeps, on a PostgreSQL job queue or in-process.

- :mod:`.work` holds the job bodies, the same whoever runs them: one import job, one round of the
  deadline sweeps (:data:`.work.SWEEPS`), and their outcome counters for ``/metrics``.
- :mod:`.queue` is the PostgreSQL job queue (procrastinate): the tasks, their retries, the periodic
  sweeps, the reaper of jobs whose worker died (heartbeats), and :func:`.queue.run_worker` behind
  ``gonghui worker``. Any number of worker processes on any number of hosts share it.
- :mod:`.inprocess` runs the same bodies in threads of the serving process: the embedded SQLite
  default (one command starts everything), or ``GONGHUI_JOB_RUNNER=inprocess``.

:func:`uses_queue` says which applies (``GONGHUI_JOB_RUNNER``; ``auto`` = the queue on PostgreSQL).
"""

from __future__ import annotations

from api.config import Settings


def uses_queue(settings: Settings) -> bool:
    """Whether jobs go to the PostgreSQL queue (else they run in-process)."""
    if settings.job_runner == "auto":
        return settings.database_url.startswith("postgresql")
    return settings.job_runner == "queue"


#: every table, type and function of the job queue is named so (procrastinate's schema, migration 0014)
QUEUE_PREFIX = "procrastinate_"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: the queue's tables are the library's, not models, and are left out
    of autogenerate and of tests/core/test_migrations.py's models == migrations comparison."""
    return not (type_ == "table" and name is not None and name.startswith(QUEUE_PREFIX))
