from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from sqlmodel import select

from api.db.models import AuditEvent, OrgUnit
from api.deps import Authorized, PageQuery, SessionDep, require
from api.routing import Route
from api.schemas.audit import AuditEventOut
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.services.pagination import keyset
from api.services.scope import in_scope

router = APIRouter(route_class=Route, prefix="/audit-events", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[AuditEventOut], dependencies=[Depends(require("audit.read"))])
def audit_events_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    entity_type: Annotated[str | None, Query(max_length=40, examples=["org_unit"])] = None,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64, examples=["grant.added"])] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound (ISO 8601).")] = None,
) -> Page[AuditEventOut]:
    """The audit trail inside the caller's scope, newest first. Events cannot be edited or deleted.

    Events tied to no org unit (failed logins for unknown usernames) are shown to callers whose
    grant is at a root of the tree."""
    # a time without a zone is read as UTC
    since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    until = until.replace(tzinfo=UTC) if until and until.tzinfo is None else until
    roots = principal.units_for()
    visible = in_scope(AuditEvent.org_unit_id, roots)
    if session.exec(
        select(OrgUnit.id).where(OrgUnit.id.in_(roots), OrgUnit.parent_id.is_(None)).limit(1)
    ).first():
        # Events tied to no unit (failed logins for unknown usernames) are for whoever holds the root.
        visible = sa.or_(visible, AuditEvent.org_unit_id.is_(None))
    stmt = select(AuditEvent).where(visible)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    items, next_cursor = keyset(
        session, stmt, keys=[AuditEvent.id], limit=page.limit, cursor=page.cursor, descending=True
    )
    return Page(items=items, next_cursor=next_cursor)
