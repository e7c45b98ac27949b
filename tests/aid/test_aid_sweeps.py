"""The deadline sweep of aid (api/services/aid/sweeps.py, run by the job queue's periodic task): a public
notice whose working days are over (docs/rules.md §4, 5 working days) leaves ``notice_ended`` on the
subject's timeline and in the audit log, once."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from aid.factories import end_notice, household_to
from api.db.models import AidEvent, AuditEvent
from api.jobs import work


def test_a_notice_that_ended_is_recorded_once_on_the_timeline_and_in_the_audit_log(client, world, clock, db):
    h = household_to(client, world, "in_notice")
    household_id = uuid.UUID(h.body["id"])
    assert work.run_sweeps(db)["aid.notice_ended"] == 0  # the notice still runs
    end_notice(world, h.body["notice_id"])
    assert work.run_sweeps(db)["aid.notice_ended"] == 1
    assert work.run_sweeps(db)["aid.notice_ended"] == 0  # idempotent
    with db.read_session() as s:
        events = s.exec(
            select(AidEvent).where(AidEvent.subject_id == household_id, AidEvent.kind == "notice_ended")
        ).all()
        audits = s.exec(
            select(AuditEvent).where(
                col(AuditEvent.entity_id) == household_id, AuditEvent.action == "aid.household.notice_ended"
            )
        ).all()
    assert [(e.from_status, e.to_status, e.actor_label) for e in events] == [
        ("in_notice", "in_notice", "system")
    ]
    assert events[0].details == {
        "notice_id": h.body["notice_id"],
        "ends_on": events[0].details["ends_on"],
        "objections_open": 0,
    }
    assert [a.actor_label for a in audits] == ["system"]
