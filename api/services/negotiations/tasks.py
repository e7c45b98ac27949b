"""The negotiation tasks of ``GET /me/tasks``, for chairs and officers (``negotiations.manage``) within
their subtrees; one query per kind, whatever the number of items."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Negotiation, NegotiationDispute
from api.schemas.negotiations import DisputeKind, NegotiationStatus
from api.schemas.tasks import TaskOut, TaskResourceType
from api.security.principal import Principal
from api.services import tasks
from api.services.negotiations.visibility import SERVING, open_vacancies
from api.services.negotiations.workflow import IN_FORCE, column, phase_clause, today
from api.services.scope import in_scope

S = NegotiationStatus


def _rows(session: Session, principal: Principal, kind: str, stmt: Any) -> list[TaskOut]:
    units = principal.units_for("negotiations.manage")
    if not units:
        return []
    stmt = stmt.where(in_scope(column(Negotiation.org_unit_id), units)).order_by(col(Negotiation.id))
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type=TaskResourceType.negotiation,
            resource_id=r.id,
            link=f"/api/v1/negotiations/{r.id}",
            deadline=r.deadline,
        )
        for r in session.execute(stmt.limit(tasks.PER_KIND + 1)).all()
    ]


def _replies(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 32: proposals awaiting their written reply (20 days after receipt)."""
    stmt: Any = sa.select(
        col(Negotiation.id), col(Negotiation.title), col(Negotiation.reply_due_on).label("deadline")
    ).where(col(Negotiation.status) == S.proposed.value)
    return _rows(session, principal, "negotiation.reply", stmt)


def _vacancies(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 31: vacancies to fill within 15 days."""
    vacant = open_vacancies().subquery()
    stmt: Any = (
        sa.select(
            col(Negotiation.id),
            col(Negotiation.title),
            sa.func.min(vacant.c.replace_due_on).label("deadline"),
        )
        .join(vacant, vacant.c.negotiation_id == Negotiation.id)
        .where(col(Negotiation.status).in_(SERVING))
        .group_by(col(Negotiation.id), col(Negotiation.title))
    )
    return _rows(session, principal, "negotiation.vacancy", stmt)


def _filings(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 42: signed contracts to file within 10 days."""
    stmt: Any = sa.select(
        col(Negotiation.id), col(Negotiation.title), col(Negotiation.filing_due_on).label("deadline")
    ).where(col(Negotiation.status) == S.signed.value)
    return _rows(session, principal, "negotiation.file", stmt)


def _publications(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 48: effective contracts not yet published to those they cover."""
    stmt: Any = sa.select(
        col(Negotiation.id), col(Negotiation.title), col(Negotiation.effective_on).label("deadline")
    ).where(phase_clause(IN_FORCE, today()), col(Negotiation.published_on).is_(None))
    return _rows(session, principal, "negotiation.publish", stmt)


def _renewals(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 38: contracts in their last 3 months with no renewal or amendment under way."""
    successor = sa.orm.aliased(Negotiation, name="successor")
    stmt: Any = sa.select(
        col(Negotiation.id), col(Negotiation.title), col(Negotiation.expires_on).label("deadline")
    ).where(
        phase_clause({S.renewal_window}, today()),
        ~sa.exists(select(successor.id).where(successor.parent_id == Negotiation.id)),
    )
    return _rows(session, principal, "negotiation.renew", stmt)


def _disputes(session: Session, principal: Principal) -> list[TaskOut]:
    """令22 Art 49-54: open coordinations, due 30 (+15) days after the application."""
    stmt: Any = (
        select(
            Negotiation.id, Negotiation.title, sa.func.min(NegotiationDispute.settle_due_on).label("deadline")
        )
        .join(NegotiationDispute, col(NegotiationDispute.negotiation_id) == Negotiation.id)
        .where(
            col(NegotiationDispute.status) == "open",
            col(NegotiationDispute.kind) == DisputeKind.coordination.value,
        )
        .group_by(col(Negotiation.id), col(Negotiation.title))
    )
    return _rows(session, principal, "negotiation.dispute", stmt)


#: this area's task kinds for the inbox, installed by ``api.main.create_app``
TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "negotiation.reply": _replies,
    "negotiation.vacancy": _vacancies,
    "negotiation.file": _filings,
    "negotiation.publish": _publications,
    "negotiation.renew": _renewals,
    "negotiation.dispute": _disputes,
}
