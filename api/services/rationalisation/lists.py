"""The proposal list: what the caller may see (visibility), with filters, newest first."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from api.db.models import RationalisationProposal as P
from api.schemas.rationalisation import ProposalStatus
from api.security.principal import Principal
from api.services.pagination import keyset
from api.services.rationalisation.visibility import c, proposals


def list_proposals(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: ProposalStatus | None = None,
    campaign_id: uuid.UUID | None = None,
) -> tuple[list[P], str | None]:
    stmt = select(P).where(proposals(principal))
    if status is not None:
        stmt = stmt.where(c(P.status) == status.value)
    if campaign_id is not None:
        stmt = stmt.where(c(P.campaign_id) == campaign_id)
    return keyset(session, stmt, keys=[c(P.id)], limit=limit, cursor=cursor, descending=True)
