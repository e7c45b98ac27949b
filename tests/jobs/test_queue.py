"""The PostgreSQL job queue with real `gonghui worker` processes (api/jobs/queue.py; issue 16, "Background
work past one process"): each job runs on exactly one worker, a worker killed mid-import leaves no partial
rows and its job is re-run or failed visibly, and the periodic sweep performs its transition."""

from __future__ import annotations

import io
import signal
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from core.test_metrics import sample
from imports_db.helpers import csv_bytes, make_id, row
from sqlmodel import select

from api import metrics
from api.db.models import MemberImport, Negotiation, NegotiationEvent, OrgUnit
from api.schemas.member_imports import ImportOnError
from api.services import member_imports as service
from jobs.conftest import free_port, scalar, scrape, wait_for

pytestmark = pytest.mark.postgres_only


def _csv(n: int, *, first: int = 0) -> bytes:
    """``n`` valid members of U01-B01 with employee numbers from ``first``."""
    lines = []
    for i in range(first, first + n):
        birth = (date(1970, 1, 1) + timedelta(days=i // 400)).strftime("%Y%m%d")
        lines.append(row(f"E{i:06d}", f"职工{i}", make_id(i % 400, birth=birth), phone=f"138{i:08d}"))
    return csv_bytes(lines)


def _queue_import(env: dict, world: Any, content: bytes) -> uuid.UUID:
    """Create an import job of U01 and hand it to the queue, as the API does for a large file."""
    db, settings = env["db"], env["settings"]
    with db.write_session() as s:
        unit = s.get(OrgUnit, world.units["U01"].id)
        assert unit is not None
        upload = service.store_upload(io.BytesIO(content), "members.csv")
        job = service.create_job(
            s, unit=unit, upload=upload, dry_run=False, on_error=ImportOnError.abort, key=None, by=None
        )
        env["jobs"].import_scheduler(None)(service.run_import_job, db, job.id, upload.path, settings)
        return job.id


def _statuses(db, ids: list[uuid.UUID]) -> list[str]:
    with db.read_session() as s:
        return [s.get(MemberImport, i).status for i in ids]  # type: ignore[union-attr]


def _members(db) -> int:
    return scalar(db, "SELECT count(*) FROM member")


@pytest.fixture
def world_q(queue_env, make_world):
    return make_world(queue_env["db"])


def test_two_workers_never_run_the_same_job(queue_env, world_q, start_worker):
    db = queue_env["db"]
    ids = [_queue_import(queue_env, world_q, _csv(3, first=10 * k)) for k in range(8)]
    depth = metrics.render(db.engine, jobs_queued=True).decode()
    assert sample(depth, "gonghui_job_queue_depth", queue="imports", status="todo") == 8
    ports = [free_port(), free_port()]
    start_worker("w1", GONGHUI_WORKER_METRICS_PORT=str(ports[0]))
    start_worker("w2", GONGHUI_WORKER_METRICS_PORT=str(ports[1]))
    wait_for(lambda: set(_statuses(db, ids)) == {"succeeded"}, timeout=60, what="8 imports to succeed")
    # the queue marks a job succeeded just after its function returned (the import has committed by then)
    succeeded_jobs = (
        "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded' AND task_name = 'member_import'"
    )
    wait_for(lambda: scalar(db, succeeded_jobs) == 8, timeout=30, what="the queue to mark 8 jobs succeeded")
    runs = scalar(
        db,
        "SELECT json_agg(n) FROM (SELECT count(*) AS n FROM procrastinate_events e "
        "JOIN procrastinate_jobs j ON j.id = e.job_id WHERE j.task_name = 'member_import' "
        "AND e.type = 'started' GROUP BY e.job_id) runs",
    )
    assert sorted(runs) == [1] * 8  # each job started exactly once
    assert _members(db) == 24
    assert scalar(db, "SELECT count(*) FROM audit_event WHERE action = 'member_import.completed'") == 8
    assert list(queue_env["spool"].iterdir()) == []  # every file removed once imported

    # each worker counts the jobs it ran on its own /metrics: together, all 8
    def ran() -> float:
        return sum(
            sample(scrape(port), "gonghui_job_outcomes_total", outcome="succeeded", task="member_import")
            for port in ports
        )

    wait_for(lambda: ran() == 8, timeout=30, what="the workers to count 8 successes")
    depth = metrics.render(db.engine, jobs_queued=True).decode()
    assert sample(depth, "gonghui_job_queue_depth", queue="imports", status="todo") == 0


@pytest.mark.parametrize(("attempts", "ends"), [(3, "re-run"), (1, "failed")])
def test_a_worker_killed_mid_import_leaves_no_partial_rows(queue_env, world_q, start_worker, attempts, ends):
    db = queue_env["db"]
    rows = 6000  # enough batches that the kill lands mid-import even on a loaded machine
    import_id = _queue_import(queue_env, world_q, _csv(rows))
    first = start_worker("doomed")

    def writing() -> bool:
        with db.read_session() as s:
            job = s.get(MemberImport, import_id)
            return job is not None and job.status == "running" and (job.rows_done or 0) > 0

    wait_for(writing, timeout=60, what="the import to be writing")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert _members(db) == 0  # the import's one transaction died with its connection
    assert (
        scalar(db, "SELECT status::text FROM procrastinate_jobs WHERE task_name = 'member_import'") == "doing"
    )

    start_worker("rescuer", GONGHUI_JOB_MAX_ATTEMPTS=str(attempts))
    queue_sql = "SELECT status::text FROM procrastinate_jobs WHERE task_name = 'member_import'"
    wait_for(  # both the import and its queue job have ended (the queue records its end just after)
        lambda: (
            _statuses(db, [import_id])[0] in {"succeeded", "failed"}
            and scalar(db, queue_sql) in {"succeeded", "failed"}
        ),
        timeout=60,
        what="the dead worker's import to end",
    )
    with db.read_session() as s:
        job = s.get(MemberImport, import_id)
        assert job is not None
        status, error_code = job.status, job.error_code
    queue_status = scalar(db, "SELECT status::text FROM procrastinate_jobs WHERE task_name = 'member_import'")
    if ends == "re-run":  # the reaper put it back; the rescuer ran it from the start, all of it
        assert (status, error_code, queue_status) == ("succeeded", None, "succeeded")
        assert _members(db) == rows
        assert scalar(db, "SELECT count(*) FROM audit_event WHERE action = 'member_import.completed'") == 1
    else:  # no attempts left: failed for good, and visibly so
        assert (status, error_code, queue_status) == ("failed", "import_interrupted", "failed")
        assert _members(db) == 0
        assert scalar(db, "SELECT count(*) FROM audit_event WHERE action = 'member_import.interrupted'") == 1
    assert list(queue_env["spool"].iterdir()) == []


def test_the_periodic_sweep_records_a_contract_that_became_effective(queue_env, world_q, start_worker):
    """令22 Art 47: filed on 1 March, no objection, effective on 16 March; a worker's periodic task (every
    2 s here) writes the timeline entry and the audit record."""
    db = queue_env["db"]
    filed = date(2025, 3, 1)
    with db.write_session() as s:
        negotiation = Negotiation(
            org_unit_id=world_q.units["U01"].id,
            kind="comprehensive",
            title="2025年集体合同",
            employer_name="第一机械厂",
            status="filed",
            initiated_by="union",
            topics=["wages"],
            proposal_text="要约",
            proposed_on=date(2025, 1, 2),
            received_on=date(2025, 1, 2),
            reply_due_on=date(2025, 1, 22),
            filed_on=filed,
            effective_on=filed + timedelta(days=15),
            expires_on=date(2028, 3, 15),
            renewal_opens_on=date(2027, 12, 15),
        )
        s.add(negotiation)
        s.commit()
        negotiation_id = negotiation.id
    start_worker("sweeper")

    def recorded() -> list[NegotiationEvent]:
        with db.read_session() as s:
            return list(
                s.exec(
                    select(NegotiationEvent).where(NegotiationEvent.negotiation_id == negotiation_id)
                ).all()
            )

    events = wait_for(recorded, timeout=30, what="the sweep")
    assert [(e.kind, e.on, e.actor_label) for e in events] == [
        ("effective", filed + timedelta(days=15), "system")
    ]
    assert scalar(db, "SELECT count(*) FROM audit_event WHERE action = 'negotiation.effective'") == 1
    wait_for(  # the job ends (succeeded) once the sweep's transaction has committed
        lambda: scalar(
            db,
            "SELECT count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'deadline_sweep' AND status = 'succeeded'",
        ),
        timeout=10,
        what="the sweep job to succeed",
    )
