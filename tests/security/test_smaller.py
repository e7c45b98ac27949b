"""Issue 14 item 10 (the smaller findings): audit events cannot be rewritten by INSERT OR REPLACE / ON
CONFLICT, plaintext uploads of a crashed import do not linger, a retry after a failed import runs, and
full resident-ID reads are throttled per user with an alert in the audit log (OWASP API6:2023)."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from imports_db.helpers import csv_bytes, make_id, post_import, row
from members.factories import payload
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from api.db.models import AuditEvent
from api.services import audit


def test_insert_or_replace_cannot_rewrite_an_audit_event(session, backend):
    event = audit.record(session, None, "org_unit.created", actor_label="someone")
    session.commit()
    if backend == "sqlite":
        statement = "INSERT OR REPLACE INTO audit_event (id, at, action) VALUES (:id, :at, 'test.rewritten')"
    else:
        statement = (
            "INSERT INTO audit_event (id, at, action) VALUES (:id, :at, 'test.rewritten') "
            "ON CONFLICT (id) DO UPDATE SET action = EXCLUDED.action"
        )
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            sa.text(statement), {"id": event.id.hex if backend == "sqlite" else event.id, "at": event.at}
        )
    session.expire_all()
    assert session.get(AuditEvent, event.id).action == "org_unit.created"


def test_plaintext_uploads_of_ended_processes_are_removed_at_start(tmp_path):
    from api.services.import_guard import sweep_orphans, upload_prefix

    dead = 4_000_000  # above any pid_max: no such process
    orphan = tmp_path / f"gonghui-import-{dead}-abc.csv"
    legacy = tmp_path / "gonghui-import-xyz.csv"  # the old naming, owner unknown
    mine = tmp_path / f"{upload_prefix()}def.csv"
    other = tmp_path / "unrelated.csv"
    recent_legacy = tmp_path / "gonghui-import-new.csv"  # may belong to a running process of the old code
    for path in (orphan, legacy, mine, other, recent_legacy):
        path.write_text("身份证号\n110105194912310029\n")
    day_old = time.time() - 25 * 3600
    os.utime(legacy, (day_old, day_old))
    assert sweep_orphans(str(tmp_path)) == 2
    assert not orphan.exists() and not legacy.exists()
    assert mine.exists() and other.exists() and recent_legacy.exists()
    assert upload_prefix() == f"gonghui-import-{os.getpid()}-"


def test_a_retry_with_the_same_key_after_a_failed_import_runs(client, world, db):
    officer = world.as_role("officer", "U01")
    content = csv_bytes([row("R001", "孙一", make_id(41)), row("R002", "孙二", "110105198503150000")])
    first = post_import(client, officer, content, key="nightly-7")
    # a small import that fails at once is a problem carrying the failed job (issue 17)
    assert first.status_code == 422 and first.json()["import"]["status"] == "failed", first.text
    retry = post_import(client, officer, content, key="nightly-7")
    assert retry.status_code == 422 and retry.json()["code"] == "import_rows_invalid", retry.text
    assert retry.json()["import"]["id"] != first.json()["import"]["id"]  # a new run, not the failed job again
    fixed = post_import(client, officer, content, key="nightly-7", on_error="skip")
    assert fixed.json()["code"] == "idempotency_key_reused"  # the key with another request is still refused
    done = post_import(client, officer, csv_bytes([row("R001", "孙一", make_id(41))]), key="nightly-8")
    again = post_import(client, officer, csv_bytes([row("R001", "孙一", make_id(41))]), key="nightly-8")
    assert done.json()["status"] == "succeeded" and again.status_code == 200
    assert again.json()["id"] == done.json()["id"]  # a success is still replayed


@contextlib.contextmanager
def override(client: Any, **update: Any) -> Iterator[None]:
    state = client.app.state
    before = state.settings
    state.settings = before.model_copy(update=update)
    try:
        yield
    finally:
        state.settings = before


def test_full_id_reads_are_throttled_per_user_with_an_audit_alert(client, world, session, problem):
    officer = world.as_role("officer", "U01")
    ids = [
        client.post("/api/v1/members", json=payload(world), headers=officer).json()["id"] for _ in range(4)
    ]
    with override(client, national_id_reads_per_window=3):
        for member_id in ids[:3]:
            assert client.get(f"/api/v1/members/{member_id}/national-id", headers=officer).status_code == 200
        for _ in range(2):
            r = client.get(f"/api/v1/members/{ids[3]}/national-id", headers=officer)
            body = problem(r, 429, "national_id_reads_throttled")
            assert int(r.headers["Retry-After"]) == body["retry_after"] > 0
        chair = world.as_role("chair", "U01")  # another user has reads of their own
        assert client.get(f"/api/v1/members/{ids[3]}/national-id", headers=chair).status_code == 200
    session.expire_all()
    alerts = session.exec(
        select(AuditEvent).where(AuditEvent.action == "member.national_id_reads_throttled")
    ).all()
    assert len(alerts) == 1 and alerts[0].actor_label == "officer.u01"
    assert uuid.UUID(str(alerts[0].entity_id)) == world.users["officer.u01"].id
