"""The negotiation state machine as data, the derived phases of a filed contract, and the timeline.

Stored steps (``negotiation.status``): proposed -> negotiating <-> suspended -> agreed -> adopted
-> signed -> filed; proposed -> refused. A filed contract's phase is **derived from its dates** on
every read and in every query (:func:`phase_clause`): under review until day 15 after receipt, then
effective (令22 Art 47), in its renewal window in the last 3 months (Art 38), expired after its last
day, superseded once an amendment or renewal of it took effect. An objection (Art 46) is the only
step that moves a filed contract, back to negotiating. Nobody presses "effective"; no periodic job.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import Negotiation, NegotiationEvent
from api.db.types import utcnow
from api.errors import Conflict
from api.i18n import _, register
from api.rules.collective_contracts import RULES, ContractRules
from api.schemas.negotiations import NegotiationStatus
from api.schemas.negotiations_enums import NegotiationEventKind
from api.security.principal import Principal
from api.services import audit, congresses

S = NegotiationStatus
FILED = "filed"  # the stored status of every filed contract; its phase comes from its dates

#: where each step may start from (docs/rules.md §2, Lifecycle), over the phase (stored or derived)
TRANSITIONS: dict[str, frozenset[NegotiationStatus]] = {
    "reply": frozenset({S.proposed}),
    "staff": frozenset({S.proposed, S.negotiating, S.suspended}),
    "vacate": frozenset({S.proposed, S.negotiating, S.suspended, S.agreed, S.adopted}),
    "session": frozenset({S.negotiating, S.suspended}),
    "draft": frozenset({S.negotiating, S.suspended}),
    "agree": frozenset({S.negotiating}),
    "vote": frozenset({S.agreed}),
    "sign": frozenset({S.adopted}),
    "file": frozenset({S.signed}),
    "object": frozenset({S.under_review}),
    "publish": frozenset({S.effective, S.renewal_window}),
    "check": frozenset({S.effective, S.renewal_window}),
    "coordination": frozenset({S.proposed, S.refused, S.negotiating, S.suspended}),
    "breach": frozenset({S.effective, S.renewal_window}),
    "amend": frozenset({S.effective, S.renewal_window}),
    "renew": frozenset({S.renewal_window}),
}

#: phases of a contract in force
IN_FORCE = frozenset({S.effective, S.renewal_window})

register(
    {
        "negotiation_illegal_transition": _(
            "The negotiation is {current}: the step {step} is not possible now."
        ),
    }
)


def today() -> date:
    """Today in China (congresses.today, which tests replace)."""
    return congresses.today()


def rules() -> ContractRules:
    return RULES


def _child() -> Any:
    return aliased(Negotiation, name="successor")


def superseded_clause(as_of: date) -> ColumnElement[bool]:
    """SQL: an amendment or renewal of this contract has taken effect by ``as_of``."""
    child = _child()
    return sa.exists(
        select(child.id).where(
            child.parent_id == Negotiation.id, child.status == FILED, child.effective_on <= as_of
        )
    )


def phase_expression(as_of: date) -> ColumnElement[str]:
    """SQL: the negotiation's phase on ``as_of`` (stored status, or derived from a filed one's dates)."""
    return sa.case(
        (col(Negotiation.status) != FILED, col(Negotiation.status)),
        (col(Negotiation.effective_on) > as_of, sa.literal(S.under_review.value)),
        (superseded_clause(as_of), sa.literal(S.superseded.value)),
        (col(Negotiation.expires_on) < as_of, sa.literal(S.expired.value)),
        (col(Negotiation.renewal_opens_on) <= as_of, sa.literal(S.renewal_window.value)),
        else_=sa.literal(S.effective.value),
    )


def phase_clause(
    phases: frozenset[NegotiationStatus] | set[NegotiationStatus], as_of: date
) -> ColumnElement[bool]:
    return phase_expression(as_of).in_(sorted(p.value for p in phases))


def phase(negotiation: Negotiation, as_of: date, *, superseded: bool = False) -> NegotiationStatus:
    """The phase of one negotiation (same rule as :func:`phase_expression`)."""
    if negotiation.status != FILED:
        return S(negotiation.status)
    assert negotiation.effective_on and negotiation.expires_on and negotiation.renewal_opens_on
    if negotiation.effective_on > as_of:
        return S.under_review
    if superseded:
        return S.superseded
    if negotiation.expires_on < as_of:
        return S.expired
    if negotiation.renewal_opens_on <= as_of:
        return S.renewal_window
    return S.effective


def is_superseded(session: Session, negotiation: Negotiation, as_of: date) -> bool:
    if negotiation.status != FILED:
        return False
    stmt = select(Negotiation.id).where(
        Negotiation.parent_id == negotiation.id,
        Negotiation.status == FILED,
        col(Negotiation.effective_on) <= as_of,
    )
    return session.exec(stmt).first() is not None


def current_phase(session: Session, negotiation: Negotiation) -> NegotiationStatus:
    as_of = today()
    return phase(negotiation, as_of, superseded=is_superseded(session, negotiation, as_of))


def step(session: Session, negotiation: Negotiation, name: str) -> NegotiationStatus:
    """Refuse a step the state machine does not allow from the negotiation's current phase."""
    current = current_phase(session, negotiation)
    if current not in TRANSITIONS[name]:
        raise Conflict("negotiation_illegal_transition", current=current.value, step=name)
    return current


def touch(negotiation: Negotiation) -> None:
    """Bump the version: negotiators, sessions, drafts, votes and disputes are part of its ETag."""
    negotiation.updated_at = utcnow()


def record(
    session: Session,
    negotiation: Negotiation,
    kind: NegotiationEventKind,
    from_status: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
    *,
    on: date | None = None,
) -> None:
    """Append to the timeline and the audit log, in the caller's transaction."""
    plain = audit.plain(details) if details else None
    to_status = negotiation.status
    session.add(
        NegotiationEvent(
            negotiation_id=negotiation.id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            on=on or today(),
            actor_id=by.user_id,
            actor_label=by.label,
            details=plain,
        )
    )
    changes: dict[str, Any] = {"before": {"status": from_status}, "after": {"status": to_status}}
    if plain:
        changes["details"] = plain
    audit.record(
        session,
        by,
        f"negotiation.{kind}",
        entity_type="negotiation",
        entity_id=negotiation.id,
        org_unit_id=negotiation.org_unit_id,
        changes=changes,
    )


def column(attribute: Any) -> ColumnElement[Any]:
    """A model attribute as the SQL column it is, for helpers typed on ``ColumnElement`` (in_scope)."""
    return cast(ColumnElement[Any], attribute)
