"""The deadline sweep of negotiations (api/services/negotiations/sweeps.py, run by the job queue's periodic
task): a contract filed without objection is effective on day 15 after receipt (令22 Art 47); the sweep
records that on the timeline and in the audit log, once, as the system."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select

from api.db.models import AuditEvent, NegotiationEvent
from api.jobs import work
from negotiations.factories import advance


def _effective_events(db, negotiation_id):
    with db.read_session() as s:
        return s.exec(
            select(NegotiationEvent).where(
                NegotiationEvent.negotiation_id == uuid.UUID(str(negotiation_id)),
                NegotiationEvent.kind == "effective",
            )
        ).all()


def test_sweep_records_a_contract_effective_on_day_15_after_filing_art_47(client, world, clock, db):
    neg = advance(client, world, clock, "under_review")  # filed: received on base + 35
    filed_on = neg.base + timedelta(days=35)
    clock.set(filed_on + timedelta(days=14))  # day 14: still under review
    assert work.run_sweeps(db)["negotiation.effective"] == 0
    clock.set(filed_on + timedelta(days=16))
    assert work.run_sweeps(db)["negotiation.effective"] == 1
    assert work.run_sweeps(db)["negotiation.effective"] == 0  # idempotent
    body = neg.get()
    events = _effective_events(db, body["id"])
    assert [(e.from_status, e.to_status, e.actor_label, e.on) for e in events] == [
        ("under_review", "effective", "system", filed_on + timedelta(days=15))
    ]
    with db.read_session() as s:
        audits = s.exec(
            select(AuditEvent.actor_label).where(
                col(AuditEvent.entity_id) == events[0].negotiation_id,
                AuditEvent.action == "negotiation.effective",
            )
        ).all()
    assert audits == ["system"]


def test_sweep_leaves_an_objected_contract_alone_art_46(client, world, clock, db):
    neg = advance(client, world, clock, "under_review")
    filed_on = neg.base + timedelta(days=35)
    clock.set(filed_on + timedelta(days=5))
    neg.post("/objection", {"received_on": neg.on(40), "reason": "工资条款低于最低工资标准"})
    clock.set(filed_on + timedelta(days=30))
    assert work.run_sweeps(db)["negotiation.effective"] == 0
    assert _effective_events(db, neg.get()["id"]) == []
