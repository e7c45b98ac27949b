"""Compliance checks of a contract in force (履约检查), negotiation disputes put to coordination (令22
Art 49-54: settled within 30 days of the application, extendable once by at most 15) and breach cases
referred to arbitration or court (劳动合同法 Art 56)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.db.models import Negotiation, NegotiationCheck, NegotiationDispute
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, register
from api.rules import collective_contracts as rules
from api.schemas.negotiations import (
    CheckIn,
    DisputeCreate,
    DisputeKind,
    DisputeStatus,
    ExtendIn,
    ReferIn,
    SettleIn,
)
from api.schemas.negotiations_enums import NegotiationEventKind
from api.security.principal import Principal
from api.services.concurrency import expect_version
from api.services.negotiations.workflow import record, step, today, touch

register(
    {
        "negotiation_dispute_not_open": _("The dispute is {current}."),
        "negotiation_extension_too_long": _(
            "Coordination can be extended by at most {max} days (令22 Art 49-54)."
        ),
        "negotiation_already_extended": _("Coordination can be extended only once (令22 Art 49-54)."),
        "negotiation_extension_coordination_only": _("Only a coordination has a period to extend."),
        "negotiation_referral_breach_only": _(
            "Arbitration or court referral is for breach of an effective contract (劳动合同法 Art 56)."
        ),
    }
)


def _dated(value: object, field: str) -> None:
    if value > today():  # type: ignore[operator]
        raise RuleViolation("negotiation_date_in_future", field=field)


def add_check(
    session: Session, negotiation: Negotiation, data: CheckIn, *, version: int, by: Principal
) -> NegotiationCheck:
    """Record a compliance check of a contract in force: date, findings, compliant or not."""
    step(session, negotiation, "check")
    expect_version(negotiation, version)
    _dated(data.checked_on, "checked_on")
    check = NegotiationCheck(
        negotiation_id=negotiation.id,
        checked_on=data.checked_on,
        findings=data.findings,
        compliant=data.compliant,
    )
    session.add(check)
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.checked,
        negotiation.status,
        by,
        {"compliant": data.compliant},
        on=data.checked_on,
    )
    session.commit()
    return check


def open_dispute(
    session: Session, negotiation: Negotiation, data: DisputeCreate, *, version: int, by: Principal
) -> NegotiationDispute:
    """A written application: coordination of a negotiation dispute (令22 Art 49-54), due 30 days after
    the application; or a breach case of a contract in force (劳动合同法 Art 56)."""
    coordination = data.kind is DisputeKind.coordination
    step(session, negotiation, "coordination" if coordination else "breach")
    expect_version(negotiation, version)
    _dated(data.applied_on, "applied_on")
    dispute = NegotiationDispute(
        negotiation_id=negotiation.id,
        kind=data.kind.value,
        applied_on=data.applied_on,
        description=data.description,
        settle_due_on=rules.coordination_due(data.applied_on, None) if coordination else None,
    )
    session.add(dispute)
    session.flush()
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.dispute_opened,
        negotiation.status,
        by,
        {"dispute_id": dispute.id, "kind": dispute.kind, "settle_due_on": dispute.settle_due_on},
        on=data.applied_on,
    )
    session.commit()
    return dispute


def get_dispute(session: Session, negotiation: Negotiation, dispute_id: uuid.UUID) -> NegotiationDispute:
    dispute = session.get(NegotiationDispute, dispute_id)
    if dispute is None or dispute.negotiation_id != negotiation.id:
        raise NotFound()
    return dispute


def _open(dispute: NegotiationDispute) -> None:
    if dispute.status != DisputeStatus.open.value:
        raise Conflict("negotiation_dispute_not_open", current=dispute.status)


def extend(
    session: Session,
    negotiation: Negotiation,
    dispute: NegotiationDispute,
    data: ExtendIn,
    *,
    version: int,
    by: Principal,
) -> NegotiationDispute:
    """令22 Art 49-54: a coordination not finished in 30 days may be extended, once, by at most 15."""
    expect_version(negotiation, version)
    _open(dispute)
    if dispute.kind != DisputeKind.coordination.value:
        raise RuleViolation("negotiation_extension_coordination_only")
    if dispute.extension_days is not None:
        raise Conflict("negotiation_already_extended")
    limit = rules.RULES.coordination_extension_days
    if data.days > limit:
        raise RuleViolation("negotiation_extension_too_long", field="days", max=limit)
    dispute.extension_days = data.days
    dispute.extension_reason = data.reason
    dispute.settle_due_on = rules.coordination_due(dispute.applied_on, data.days)
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.dispute_extended,
        negotiation.status,
        by,
        {"dispute_id": dispute.id, "days": data.days, "settle_due_on": dispute.settle_due_on},
    )
    session.commit()
    return dispute


def settle(
    session: Session,
    negotiation: Negotiation,
    dispute: NegotiationDispute,
    data: SettleIn,
    *,
    version: int,
    by: Principal,
) -> NegotiationDispute:
    expect_version(negotiation, version)
    _open(dispute)
    _dated(data.settled_on, "settled_on")
    if data.settled_on < dispute.applied_on:
        raise RuleViolation(
            "negotiation_date_too_early", field="settled_on", earliest=dispute.applied_on.isoformat()
        )
    dispute.status = DisputeStatus.settled.value
    dispute.settled_on = data.settled_on
    dispute.outcome = data.outcome
    late = dispute.settle_due_on is not None and data.settled_on > dispute.settle_due_on
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.dispute_settled,
        negotiation.status,
        by,
        {"dispute_id": dispute.id, "late": late},
        on=data.settled_on,
    )
    session.commit()
    return dispute


def refer(
    session: Session,
    negotiation: Negotiation,
    dispute: NegotiationDispute,
    data: ReferIn,
    *,
    version: int,
    by: Principal,
) -> NegotiationDispute:
    """劳动合同法 Art 56: when a breach is not settled by consultation, the union may apply for
    arbitration or go to court."""
    expect_version(negotiation, version)
    _open(dispute)
    if dispute.kind != DisputeKind.breach.value:
        raise RuleViolation("negotiation_referral_breach_only")
    _dated(data.referred_on, "referred_on")
    dispute.status = DisputeStatus.referred.value
    dispute.referral = data.forum.value
    dispute.referred_on = data.referred_on
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.dispute_referred,
        negotiation.status,
        by,
        {"dispute_id": dispute.id, "forum": data.forum.value},
        on=data.referred_on,
    )
    session.commit()
    return dispute
