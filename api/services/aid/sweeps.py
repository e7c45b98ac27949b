"""The deadline sweep of hardship aid: public notices that have ended (docs/rules.md §4: 5 working days).

Whether a notice runs is derived from its dates wherever it matters (objections are refused after
``ends_on``, approval waits for it: ``notices.ensure_decidable``), so no stored status changes when it
ends; the subject stays ``in_notice`` until the chair decides. The sweep (run by the job queue's
periodic task, ``api/jobs``) leaves the trace: the timeline entry ``notice_ended`` of the household file
or application, with the number of objections still open, and its audit record, as the system, once per
notice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import AidApplication, AidEvent, AidHousehold, AidNotice, AidObjection
from api.schemas.aid_enums import AidEventKind, ApplicationStatus, HouseholdStatus, ObjectionStatus
from api.services import audit
from api.services.aid.common import today

NOTICE_ENDED = AidEventKind.notice_ended
SYSTEM = "system"
#: subjects handled per kind and sweep: a backlog is worked off over several sweeps
BATCH = 500

_SUBJECTS: tuple[tuple[str, Any, str], ...] = (
    ("household", AidHousehold, HouseholdStatus.in_notice.value),
    ("application", AidApplication, ApplicationStatus.in_notice.value),
)


def sweep_ended_notices(session: Session, *, as_of: date | None = None) -> int:
    """Record, for every household file and application still in notice whose notice ended before
    ``as_of`` (its last day has passed), a timeline entry ``notice_ended`` (with the objections still
    open) and an audit record ``aid.<subject>.notice_ended``, in one transaction. Idempotent (one entry
    per notice: an entry written after the notice was posted). Returns how many were recorded."""
    as_of = as_of or today()
    count = 0
    for subject_type, model, in_notice in _SUBJECTS:
        recorded = (
            select(AidEvent.id)
            .where(
                col(AidEvent.subject_id) == model.id,
                col(AidEvent.kind) == NOTICE_ENDED,
                col(AidEvent.created_at) >= col(AidNotice.created_at),
            )
            .exists()
        )
        open_objections = (
            select(sa.func.count())
            .select_from(AidObjection)
            .where(
                col(AidObjection.notice_id) == col(AidNotice.id),
                col(AidObjection.status) == ObjectionStatus.open.value,
            )
            .scalar_subquery()
        )
        rows = session.exec(
            select(model, AidNotice, open_objections)
            .join(AidNotice, col(AidNotice.id) == model.notice_id)
            .where(model.status == in_notice, col(AidNotice.ends_on) < as_of, ~recorded)
            .order_by(col(AidNotice.ends_on), model.id)
            .limit(BATCH)
            .with_for_update(of=model, skip_locked=True)  # PostgreSQL: two sweeps never take the same one
        ).all()
        for subject, notice, objections in rows:
            details = audit.plain(
                {"notice_id": notice.id, "ends_on": notice.ends_on, "objections_open": int(objections)}
            )
            session.add(
                AidEvent(
                    subject_type=subject_type,
                    subject_id=subject.id,
                    kind=NOTICE_ENDED,
                    from_status=subject.status,
                    to_status=subject.status,
                    actor_label=SYSTEM,
                    details=details,
                )
            )
            audit.record(
                session,
                None,
                f"aid.{subject_type}.{NOTICE_ENDED}",
                entity_type=f"aid_{subject_type}",
                entity_id=subject.id,
                org_unit_id=subject.org_unit_id,
                changes={
                    "before": {"status": subject.status},
                    "after": {"status": subject.status},
                    "details": details,
                },
                actor_label=SYSTEM,
            )
        count += len(rows)
    session.commit()
    return count
