"""Imports whose process died are marked failed, not left "running" for ever
(api.services.member_imports.reap_interrupted; run when a server starts and before a CLI import)."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.db.models import AuditEvent, MemberImport
from api.services import member_imports as service


def _no_such_pid() -> int:
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # above the largest pid the kernel gives


@pytest.fixture
def jobs(db, world):
    """Queued and running jobs of processes that ended, of this process, of another host, and a finished
    one."""
    host = socket.gethostname()
    me = service.this_process()
    pid, start = me.split(":")[1:]
    runners = {
        "dead": f"{host}:{_no_such_pid()}:1",
        "pid reused": f"{host}:{pid}:{int(start) + 1}",  # this pid, but a process started at another time
        "dead, queued": f"{host}:{_no_such_pid()}:7",
        "alive": me,
        "other host": f"not-{host}:{_no_such_pid()}:1",
        "no runner": None,
        "finished": f"{host}:{_no_such_pid()}:1",
    }
    made = {}
    with db.write_session() as s:
        for label, runner in runners.items():
            status = "queued" if "queued" in label else "succeeded" if label == "finished" else "running"
            job = MemberImport(
                org_unit_id=world.units["U01"].id,
                filename=f"{label}.csv",
                file_format="csv",
                file_hash="0" * 64,
                status=status,
                runner=runner,
                report={"phase": "writing"},
            )
            s.add(job)
            made[label] = job
        s.commit()
        return {label: job.id for label, job in made.items()}


def _status(db, job_id) -> tuple[str, str | None]:
    with db.read_session() as s:
        job = s.get(MemberImport, job_id)
        return job.status, job.error_code


def test_jobs_of_ended_processes_on_this_host_are_marked_failed(db, jobs, client, officer_root):
    # the client fixture's start-up already reaped them (the lifespan); running it again finds nothing
    assert service.reap_interrupted(db) == 0
    failed = {
        label for label, job_id in jobs.items() if _status(db, job_id) == ("failed", "import_interrupted")
    }
    assert failed == {"dead", "pid reused", "dead, queued"}
    assert _status(db, jobs["alive"])[0] == "running" and _status(db, jobs["other host"])[0] == "running"
    assert _status(db, jobs["no runner"])[0] == "running" and _status(db, jobs["finished"])[0] == "succeeded"

    shown = client.get(f"/api/v1/member-imports/{jobs['dead']}", headers=officer_root).json()
    assert (shown["status"], shown["error_code"], shown["phase"]) == ("failed", "import_interrupted", "done")
    assert "runner" not in shown  # host and pid are internal
    with db.read_session() as s:
        audited = s.exec(select(AuditEvent).where(AuditEvent.action == "member_import.interrupted")).all()
    assert {e.entity_id for e in audited} == {jobs[k] for k in failed}
    assert {e.actor_label for e in audited} == {"system"}


def test_a_starting_server_reaps(app, db, world):
    with db.write_session() as s:
        job = MemberImport(
            org_unit_id=world.units["U01"].id,
            filename="x.csv",
            file_format="csv",
            file_hash="0" * 64,
            status="running",
            runner=f"{socket.gethostname()}:{_no_such_pid()}:1",
        )
        s.add(job)
        s.commit()
        job_id = job.id
    previous, app.state.db = app.state.db, db
    try:
        assert _status(db, job_id) == ("running", None)
        with TestClient(app):
            pass
    finally:
        app.state.db = previous
    assert _status(db, job_id) == ("failed", "import_interrupted")


def test_jobs_record_the_process_that_runs_them(client, world, db, officer_root):
    from imports_db.helpers import csv_bytes, make_id, post_import, row

    r = post_import(client, officer_root, csv_bytes([row("E1", "张三", make_id(1))]))
    assert r.status_code in (201, 202), r.text  # small files run at once, large ones in the background
    with db.read_session() as s:
        assert s.get(MemberImport, uuid.UUID(r.json()["id"])).runner == service.this_process()
