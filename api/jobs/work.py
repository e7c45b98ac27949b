"""The job bodies, the same on the queue and in-process: one member import (:func:`import_members`), one
round of the deadline sweeps (:func:`run_sweeps` over :data:`SWEEPS`), and the outcome counters
(``gonghui_job_outcomes_total{task,outcome}``) that whichever process runs a job increments.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import structlog
from sqlmodel import Session

from api import metrics
from api.config import Settings
from api.db.session import Database
from api.services.aid.sweeps import sweep_ended_notices
from api.services.member_imports import run_import
from api.services.negotiations.sweeps import sweep_effective

log = structlog.get_logger("gonghui.jobs")

#: task names (labels of the metrics, names on the queue)
IMPORT_TASK = "member_import"
SWEEP_TASK = "deadline_sweep"
REAP_TASK = "reap_stalled"


def count(task: str, outcome: str) -> None:
    """Count a job's outcome (``gonghui_job_outcomes_total``, api/metrics.py) in this process."""
    metrics.count_job(task, outcome)


# --- member imports -----------------------------------------------------------------------------------


def spool(settings: Settings, import_id: uuid.UUID, upload_path: str) -> str:
    """Move a queued import's upload to the spool directory (``GONGHUI_IMPORT_SPOOL_DIR``, shared by
    every host) under the job's id, where a worker on any host finds it. Returns the new path."""
    directory = Path(settings.import_spool_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = directory / f"{import_id}{Path(upload_path).suffix}"
    shutil.move(upload_path, target)
    return str(target)


def remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def import_members(db: Database, settings: Settings, import_id: uuid.UUID, file_path: str) -> None:
    """Run one import job to its end (it is all-or-nothing: one transaction, rolled back by the database
    if the process dies) and remove its file. An exception here (the database went away while the job
    was recording how it ended) leaves the file for the retry."""
    run_import(db, import_id, file_path, settings)
    remove(file_path)


# --- the deadline sweeps ------------------------------------------------------------------------------

#: every deadline-driven transition the areas need: name -> sweep(session) -> how many recorded. Each is a
#: service function that writes the timeline and the audit log in one transaction, and is idempotent.
SWEEPS: dict[str, Callable[[Session], int]] = {
    "negotiation.effective": sweep_effective,  # 令22 Art 47: day 15 after filing without objection
    "aid.notice_ended": sweep_ended_notices,  # docs/rules.md §4: the notice's working days are over
}


def run_sweeps(db: Database) -> dict[str, int]:
    """One round of every sweep, each in its own transaction (one failing does not hold up the others;
    the exception is raised after all ran, so the job is retried or counted failed)."""
    done: dict[str, int] = {}
    failed: Exception | None = None
    for name, sweep in SWEEPS.items():
        try:
            with db.write_session() as session:
                done[name] = sweep(session)
        except Exception as exc:
            log.exception("sweep_failed", sweep=name)
            failed = exc
    if any(done.values()):
        log.info("sweeps_done", **done)
    if failed is not None:
        raise failed
    return done
