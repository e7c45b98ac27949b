"""Jobs whose process died: which process runs an import (pid + start time from ``/proc``), and
:func:`reap_interrupted`, which marks a running job failed when its process is gone (run when a server
starts and before a CLI import).
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from sqlmodel import col, select

from api.db.models import MemberImport
from api.db.session import Database
from api.db.types import utcnow
from api.schemas.member_imports import ImportPhase, ImportStatus
from api.services import audit

# --- jobs whose process died ------------------------------------------------------------------------------


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, /proc/PID/stat field 22), or ``None`` if there
    is no such process. Told apart from a later process that reuses the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def this_process() -> str:
    """``host:pid:start`` of the running process, recorded on the jobs it queues and runs."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}"


def _runner_gone(runner: str | None) -> bool:
    """Whether the process that queued / ran a job has certainly ended. Only processes of this host can be
    checked (and only where /proc exists); jobs of other hosts are left to their own host."""
    if not runner or not Path("/proc/self/stat").exists():
        return False
    parts = runner.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    started = _start_ticks(int(parts[1]))
    return started is None or (parts[2] != "" and started != parts[2])


def reap_interrupted(db: Database) -> int:
    """Mark failed (``import_interrupted``) the queued or running jobs whose process on this host has ended:
    a server stopped or killed mid-import rolled its transaction back, but the job row said "running" for
    ever. Run when a server starts and before a CLI import; audited as the system. Returns how many."""
    unfinished = select(MemberImport).where(
        col(MemberImport.status).in_((ImportStatus.queued.value, ImportStatus.running.value))
    )
    with db.read_session() as session:  # the usual case, nothing to reap, takes no write lock
        if not any(_runner_gone(job.runner) for job in session.exec(unfinished)):
            return 0
    with db.write_session() as session:
        gone = [job.id for job in session.exec(unfinished).all() if _runner_gone(job.runner)]
    return mark_interrupted(db, gone)


def mark_interrupted(db: Database, import_ids: list[uuid.UUID]) -> int:
    """Mark failed (``import_interrupted``) those of ``import_ids`` still queued or running, audited as the
    system: the reaper above, and the job queue when a job's worker died too often (api/jobs)."""
    if not import_ids:
        return 0
    with db.write_session() as session:
        gone = session.exec(
            select(MemberImport).where(
                col(MemberImport.id).in_(import_ids),
                col(MemberImport.status).in_((ImportStatus.queued.value, ImportStatus.running.value)),
            )
        ).all()
        for job in gone:
            job.status, job.error_code, job.finished_at = (
                ImportStatus.failed.value,
                "import_interrupted",
                utcnow(),
            )
            job.report = {"phase": ImportPhase.done.value, "errors": [], "errors_total": 0}
            audit.record(
                session,
                None,
                "member_import.interrupted",
                entity_type="member_import",
                entity_id=job.id,
                org_unit_id=job.org_unit_id,
                changes={"after": {"status": job.status}},
                actor_label="system",
            )
        session.commit()
        return len(gone)
