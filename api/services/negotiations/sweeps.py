"""The deadline sweep of negotiations: filed contracts that became effective by date (令22 Art 47).

A filed contract's phase is derived from its dates on every read (``workflow.phase_expression``), so no
stored status has to change on day 15. What the date alone does not leave behind is a trace: the sweep
(run by the job queue's periodic task, ``api/jobs``) writes the timeline entry ``effective`` and its
audit record, as the system, once per filing round (the entry's ``on`` is the contract's effective
date, which is how a later sweep knows it is there already).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from api.db.models import Negotiation, NegotiationEvent
from api.schemas.negotiations import NegotiationStatus
from api.schemas.negotiations_enums import NegotiationEventKind
from api.services import audit
from api.services.negotiations.workflow import FILED, today

#: the timeline kind the sweep writes
EFFECTIVE = NegotiationEventKind.effective
SYSTEM = "system"
#: contracts handled per sweep: a backlog (e.g. after downtime) is worked off over several sweeps
BATCH = 500


def sweep_effective(session: Session, *, as_of: date | None = None) -> int:
    """Record the contracts filed without objection whose effective date (day 15 after receipt, 令22
    Art 47) has come: a timeline entry ``under_review -> effective`` on that date and an audit record
    ``negotiation.effective``, in one transaction. Idempotent. Returns how many were recorded."""
    as_of = as_of or today()
    recorded = (
        select(NegotiationEvent.id)
        .where(
            col(NegotiationEvent.negotiation_id) == col(Negotiation.id),
            col(NegotiationEvent.kind) == EFFECTIVE,
            col(NegotiationEvent.on) == col(Negotiation.effective_on),
        )
        .exists()
    )
    due = session.exec(
        select(Negotiation)
        .where(
            col(Negotiation.status) == FILED,
            col(Negotiation.effective_on) <= as_of,
            ~recorded,
        )
        .order_by(col(Negotiation.effective_on), col(Negotiation.id))
        .limit(BATCH)
        .with_for_update(skip_locked=True)  # PostgreSQL: two sweeps never take the same contract
    ).all()
    for negotiation in due:
        assert negotiation.effective_on is not None
        details = {"effective_on": negotiation.effective_on, "round": negotiation.round}
        session.add(
            NegotiationEvent(
                negotiation_id=negotiation.id,
                kind=EFFECTIVE,
                from_status=NegotiationStatus.under_review.value,
                to_status=NegotiationStatus.effective.value,
                on=negotiation.effective_on,
                actor_label=SYSTEM,
                details=audit.plain(details),
            )
        )
        audit.record(
            session,
            None,
            f"negotiation.{EFFECTIVE}",
            entity_type="negotiation",
            entity_id=negotiation.id,
            org_unit_id=negotiation.org_unit_id,
            changes={
                "before": {"status": NegotiationStatus.under_review.value},
                "after": {"status": NegotiationStatus.effective.value},
                "details": audit.plain(details),
            },
            actor_label=SYSTEM,
        )
    session.commit()
    return len(due)
