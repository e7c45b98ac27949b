"""Issue 14 item 10: the audit log is a hash chain, so a rewrite that gets past the append-only triggers
(a superuser, an edited file, a restored backup) is detected by ``gonghui audit verify``."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.config import get_settings
from api.db import migrate
from api.db.models import AuditEvent
from api.db.session import make_engine
from api.services import audit
from api.services.audit_chain import GENESIS, link, verify


def _write(session, n: int) -> None:
    for i in range(n):
        # a real action (AuditAction is a closed set); the events are told apart by actor_label
        audit.record(session, None, "org_unit.updated", actor_label=f"chain_{i}", changes={"after": {"i": i}})
        session.commit()


def test_events_are_chained_in_commit_order(session):
    start = verify(session)
    _write(session, 3)
    events = session.exec(
        select(AuditEvent).where(col(AuditEvent.actor_label).like("chain_%")).order_by(AuditEvent.seq)
    ).all()
    assert [e.seq for e in events] == [start.checked + 1, start.checked + 2, start.checked + 3]
    previous = GENESIS
    for e in session.exec(select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)):
        assert e.chain_hash == link(previous, e)
        previous = e.chain_hash
    verdict = verify(session)
    assert verdict.ok and verdict.checked == start.checked + 3


def test_rolled_back_events_leave_no_link(session):
    start = verify(session)
    audit.record(session, None, "org_unit.updated", actor_label="rolled_back")
    session.rollback()
    _write(session, 1)
    assert verify(session).ok and verify(session).checked == start.checked + 1


def test_a_rewritten_event_breaks_the_chain(session, backend):
    _write(session, 3)
    target = session.exec(select(AuditEvent).where(AuditEvent.actor_label == "chain_1")).one()
    # an attacker with the database's owner rights switches the guard off first
    if backend == "sqlite":
        session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
    else:
        session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    session.execute(
        sa.text("UPDATE audit_event SET actor_label = 'someone else' WHERE id = :id"),
        {"id": target.id.hex if backend == "sqlite" else target.id},
    )
    session.expire_all()
    verdict = verify(session)
    assert not verdict.ok and verdict.broken_at == target.seq


def test_cli_audit_verify(fresh_database_url, monkeypatch, request):
    url = fresh_database_url("chain_" + re.sub(r"\W", "_", request.node.name)[:20].lower())
    migrate.upgrade(url)
    monkeypatch.setenv("GONGHUI_DATABASE_URL", url)
    for name in ("GONGHUI_ENV", "GONGHUI_PII_KEYS", "GONGHUI_PII_HMAC_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _write(session, 2)
        ok = CliRunner().invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0 and "intact: 2 events" in ok.output, ok.output
        with engine.begin() as conn:  # the head moved on without its events: a truncated log
            conn.execute(sa.text("UPDATE audit_chain_head SET seq = 5"))
        broken = CliRunner().invoke(cli, ["audit", "verify"])
        assert broken.exit_code == 1 and "BROKEN" in broken.output
    finally:
        engine.dispose()
        get_settings.cache_clear()
