"""Who sees which negotiation, as one SQL clause (used by lists, load-by-id, reports, tasks), and the
"overdue" clauses the lists, the report and the inbox share.

Chairs, officers and auditors see the negotiations of the unions in their granted subtrees, every
step. Members see only published contracts that cover them (docs/rules.md §0: "read published"): a
contract of their own union or one above it, or an industry/regional contract listing a unit over
theirs.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import Negotiation, NegotiationCoverage, NegotiationDispute, Negotiator
from api.errors import NotFound
from api.schemas.negotiations import DisputeKind, NegotiationKind, NegotiationStatus, OverdueKind
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import congresses
from api.services.negotiations.workflow import column, phase_clause, today
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

S = NegotiationStatus
#: roles that see negotiations by org scope, at every step
SCOPE_READERS = frozenset({Role.chair, Role.officer, Role.auditor})
MULTI_EMPLOYER = (NegotiationKind.industry.value, NegotiationKind.regional.value)
#: steps during which the negotiators serve (a vacancy must be filled, 令22 Art 31)
SERVING = ("proposed", "negotiating", "suspended", "agreed", "adopted")


def covers_units(units: Any) -> ColumnElement[bool]:
    """SQL: the negotiation's contract covers one of ``units`` (a SELECT of unit ids or a list):
    the conducting union itself, or for industry/regional contracts one of the listed units."""
    return sa.or_(
        sa.and_(col(Negotiation.kind).not_in(MULTI_EMPLOYER), col(Negotiation.org_unit_id).in_(units)),
        col(Negotiation.id).in_(
            select(NegotiationCoverage.negotiation_id).where(col(NegotiationCoverage.org_unit_id).in_(units))
        ),
    )


def staff_clause(principal: Principal) -> ColumnElement[bool]:
    return in_scope(column(Negotiation.org_unit_id), congresses.roots(principal, SCOPE_READERS))


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL over ``negotiation``: what the caller may see (docs/rules.md §0 role matrix)."""
    clauses: list[ColumnElement[bool]] = []
    if congresses.roots(principal, SCOPE_READERS):
        clauses.append(staff_clause(principal))
    if Role.member in principal.roles() and principal.member_id is not None:
        clauses.append(
            sa.and_(
                col(Negotiation.published_on).is_not(None),
                covers_units(congresses.units_over_member(principal.member_id)),
            )
        )
    return sa.or_(*clauses) if clauses else sa.false()


def get_visible(session: Session, negotiation_id: uuid.UUID, principal: Principal) -> Negotiation:
    found = session.exec(
        select(Negotiation).where(Negotiation.id == negotiation_id, visibility(principal))
    ).first()
    if found is None:
        raise NotFound()
    return found


def get_for_staff(session: Session, negotiation_id: uuid.UUID, principal: Principal) -> Negotiation:
    """The working records (timeline, sessions, drafts, filing form): staff within scope only; a
    member reading a published contract gets 404 here."""
    found = session.exec(
        select(Negotiation).where(Negotiation.id == negotiation_id, staff_clause(principal))
    ).first()
    if found is None:
        raise NotFound()
    return found


# --- overdue ------------------------------------------------------------------------------------


def overdue_reply(as_of: date) -> ColumnElement[bool]:
    """令22 Art 32: no written reply 20 days after receipt."""
    return sa.and_(col(Negotiation.status) == S.proposed.value, col(Negotiation.reply_due_on) < as_of)


def overdue_filing(as_of: date) -> ColumnElement[bool]:
    """令22 Art 42: signed, not filed 10 days after signing."""
    return sa.and_(col(Negotiation.status) == S.signed.value, col(Negotiation.filing_due_on) < as_of)


def open_vacancies(as_of: date | None = None) -> Any:
    """``SELECT`` negotiator rows that left and were not replaced (overdue ones when ``as_of`` is given)."""
    successor = aliased(Negotiator, name="successor")
    stmt = sa.select(
        col(Negotiator.id), col(Negotiator.negotiation_id), col(Negotiator.replace_due_on)
    ).where(
        col(Negotiator.left_on).is_not(None),
        ~sa.exists(select(successor.id).where(successor.replaces_id == Negotiator.id)),
    )
    if as_of is not None:
        stmt = stmt.where(col(Negotiator.replace_due_on) < as_of)
    return stmt


def overdue_vacancy(as_of: date) -> ColumnElement[bool]:
    """令22 Art 31: a vacancy not filled within 15 days, while the negotiators serve."""
    vacant = open_vacancies(as_of).subquery()
    return sa.and_(
        col(Negotiation.status).in_(SERVING), col(Negotiation.id).in_(select(vacant.c.negotiation_id))
    )


def overdue_dispute(as_of: date) -> ColumnElement[bool]:
    """令22 Art 49-54: coordination not settled within 30 (+15) days."""
    return col(Negotiation.id).in_(
        select(NegotiationDispute.negotiation_id).where(
            NegotiationDispute.kind == DisputeKind.coordination.value,
            NegotiationDispute.status == "open",
            col(NegotiationDispute.settle_due_on) < as_of,
        )
    )


OVERDUE = {
    OverdueKind.reply: overdue_reply,
    OverdueKind.filing: overdue_filing,
    OverdueKind.vacancy: overdue_vacancy,
    OverdueKind.dispute: overdue_dispute,
}


def list_negotiations(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: NegotiationStatus | None = None,
    kind: NegotiationKind | None = None,
    under: uuid.UUID | None = None,
    overdue: OverdueKind | None = None,
    q: str | None = None,
) -> tuple[list[Negotiation], str | None]:
    as_of = today()
    stmt = select(Negotiation).where(visibility(principal))
    if status is not None:
        stmt = stmt.where(phase_clause({status}, as_of))
    if kind is not None:
        stmt = stmt.where(Negotiation.kind == kind.value)
    if under is not None:
        stmt = stmt.where(in_scope(column(Negotiation.org_unit_id), [under]))
    if overdue is not None:
        stmt = stmt.where(OVERDUE[overdue](as_of))
    if q:
        stmt = stmt.where(
            sa.or_(col(Negotiation.title).like(f"%{q}%"), col(Negotiation.employer_name).like(f"%{q}%"))
        )
    return keyset(session, stmt, keys=[column(Negotiation.id)], limit=limit, cursor=cursor)


def is_staff_for(session: Session, negotiation: Negotiation, principal: Principal) -> bool:
    """Whether the caller reads this negotiation as chair, officer or auditor (all working records)."""
    return unit_within(session, negotiation.org_unit_id, congresses.roots(principal, SCOPE_READERS))
