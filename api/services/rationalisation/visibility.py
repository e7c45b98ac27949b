"""Who sees which rationalisation proposals and campaigns, as SQL (used by lists and load-by-id).

Chairs, officers and auditors: every proposal and campaign in their grants' subtrees. Handlers: the
proposals forwarded to their departments. Members: their own proposals, and the campaigns of the unions
over their unit.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, select

from api.db.models import RationalisationCampaign, RationalisationProposal
from api.errors import NotFound
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import congresses
from api.services.scope import in_scope

SCOPE_READERS = frozenset({Role.chair, Role.officer, Role.auditor})

P = RationalisationProposal
C = RationalisationCampaign


def c(attribute: Any) -> sa.ColumnElement[Any]:
    """A model attribute as a column expression (for the scope and pagination helpers)."""
    return cast("sa.ColumnElement[Any]", attribute)


def proposals(principal: Principal) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    scoped = congresses.roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(in_scope(c(P.org_unit_id), scoped))
    roles = principal.roles()
    if Role.handler in roles:
        clauses.append(c(P.department_id).in_(congresses.handler_department_ids(principal)))
    if Role.member in roles and principal.member_id is not None:
        clauses.append(c(P.submitter_member_id) == principal.member_id)
    return sa.or_(*clauses) if clauses else sa.false()


def campaigns(principal: Principal) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    scoped = congresses.roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(in_scope(c(C.org_unit_id), scoped))
    if Role.member in principal.roles() and principal.member_id is not None:
        clauses.append(c(C.org_unit_id).in_(congresses.units_over_member(principal.member_id)))
    return sa.or_(*clauses) if clauses else sa.false()


def get_proposal(session: Session, proposal_id: uuid.UUID, principal: Principal) -> RationalisationProposal:
    found = session.exec(select(P).where(c(P.id) == proposal_id, proposals(principal))).first()
    if found is None:
        raise NotFound()
    return found


def get_campaign(session: Session, campaign_id: uuid.UUID, principal: Principal) -> RationalisationCampaign:
    found = session.exec(select(C).where(c(C.id) == campaign_id, campaigns(principal))).first()
    if found is None:
        raise NotFound()
    return found
